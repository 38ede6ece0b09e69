/** The anonymous account this browser plays as: its token lives in localStorage. */
import { Api } from "./api.ts";

export interface Account {
  readonly playerId: string;
  readonly name: string;
  readonly token: string;
}

const KEY = "ply:player";

/** The stored account, if this browser has one. */
export function account(): Account | null {
  try {
    const stored = localStorage.getItem(KEY);
    if (!stored) return null;
    const parsed = JSON.parse(stored) as Partial<Account>;
    return typeof parsed.playerId === "string" && typeof parsed.name === "string" && typeof parsed.token === "string"
      ? (parsed as Account)
      : null;
  } catch {
    // Storage disabled or corrupt: behave as a new visitor.
    return null;
  }
}

export function saveAccount(created: Account): void {
  localStorage.setItem(KEY, JSON.stringify(created));
}

export function forgetAccount(): void {
  localStorage.removeItem(KEY);
}

/** The API for this page's origin, acting as the stored account when there is one. */
export function api(): Api {
  return new Api({ origin: location.origin, token: account()?.token ?? null });
}
