/**
 * Who a WebSocket upgrade is, decided before the socket is accepted: a token that names a seat
 * holder makes a player; no token, or a genuine player who holds no seat here, a spectator.
 */
import type { Seat } from "../../shared/game.ts";
import { ok, type Result } from "../../shared/result.ts";
import { tokenSecret, verifyToken, type AuthError } from "../auth.ts";
import type { SeatRow } from "./store.ts";

/** What a connection is, kept in its attachment so it survives hibernation. */
export type Role =
  | { readonly role: "player"; readonly seat: Seat; readonly pid: string }
  | { readonly role: "spectator" };

/** The request to hand PartyServer, and the role of the socket it opens. */
export interface Admitted {
  readonly request: Request;
  readonly role: Role;
}

/** Admits an upgrade request to a match with these seats, or refuses it with a stable code. */
export async function admit(
  env: Env,
  request: Request,
  seats: readonly SeatRow[],
): Promise<Result<Admitted, AuthError>> {
  const url = new URL(request.url);
  const token = url.searchParams.get("token");
  // PartyServer takes a client's `_pk` as the connection id; ids here are ours to choose,
  // so no client can collide with another's presence or rate bucket.
  if (url.searchParams.has("_pk")) {
    url.searchParams.delete("_pk");
    request = new Request(url, request);
  }
  if (token === null) return ok({ request, role: { role: "spectator" } });
  const secret = tokenSecret(env);
  if (!secret.ok) return secret;
  const claims = await verifyToken(secret.value, token);
  if (!claims.ok) return claims;
  const seat = seats.find((row) => row.pid === claims.value.pid);
  return ok({ request, role: seat ? { role: "player", seat: seat.seat, pid: seat.pid } : { role: "spectator" } });
}

/**
 * The socket tags of a role (see ../sockets.ts): fan-out finds recipients by tag. A player's is
 * their id, not their seat: tags are fixed for a socket's life, and seats rotate each game of a series.
 */
export function tagsOf(role: Role | undefined): string[] {
  return role?.role === "player" ? ["player", playerTag(role.pid)] : ["spectator"];
}

/** The tag of a player's sockets. */
export function playerTag(pid: string): string {
  return `pid:${pid}`;
}
