/** The shape of the HTTP API's routes: each module exports its own, index.ts serves them all. */

/** A route handler; `params` are the pattern's capture groups, already checked by the route. */
export type Handler = (request: Request, env: Env, params: readonly string[], url: URL) => Promise<Response> | Response;

export interface Route {
  readonly pattern: RegExp;
  readonly methods: Partial<Record<"GET" | "POST" | "DELETE", Handler>>;
}
