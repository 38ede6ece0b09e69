/**
 * Reading a client frame: the transport rungs of the ladder (size, text, JSON, schema), each
 * with its stable code. What the frame asks for is the Match's business.
 */
import * as v from "valibot";
import { ClientMessage, LIMITS } from "../../shared/protocol.ts";
import { fail, ok, type Result } from "../../shared/result.ts";
import { describeIssues } from "../../shared/schema-issues.ts";

const encoder = new TextEncoder();

/** A WebSocket message as the runtime hands it over. */
export type Message = string | ArrayBuffer | ArrayBufferView;

/** The frames the engine's guard decides alone (a tournament player who withdraws resigns too). */
export type ResignOrDraw = Extract<ClientMessage, { type: "resign" | "draw" }>;

/** True when the frame is over LIMITS.frameBytes in UTF-8. */
export function tooLarge(message: Message): boolean {
  if (typeof message !== "string") return message.byteLength > LIMITS.frameBytes;
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: only encode when the length alone can't decide.
  if (message.length > LIMITS.frameBytes) return true;
  if (message.length * 3 <= LIMITS.frameBytes) return false;
  return encoder.encode(message).byteLength > LIMITS.frameBytes;
}

/** The frame as the protocol defines it, or why not. */
export function readFrame(message: Message): Result<ClientMessage, "too-large" | "bad-message"> {
  if (tooLarge(message)) return fail("too-large", `frames are limited to ${LIMITS.frameBytes} bytes`);
  if (typeof message !== "string") return fail("bad-message", "binary frames are not supported");
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return fail("bad-message", "the frame is not JSON");
  }
  const parsed = v.safeParse(ClientMessage, json);
  return parsed.success ? ok(parsed.output) : fail("bad-message", describeIssues(parsed.issues));
}
