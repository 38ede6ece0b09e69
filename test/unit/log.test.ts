import { afterEach, describe, expect, it, vi } from "vitest";
import { signToken } from "../../server/auth.ts";
import { log, logRejected, redact } from "../../server/log.ts";

afterEach(() => vi.restoreAllMocks());

describe("structured logs", () => {
  it("writes one JSON object per line with the event and its fields", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((text: string) => void lines.push(text));
    log("info", "match-started", { matchId: "abc", players: 2, skipped: undefined });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { level: "info", event: "match-started", matchId: "abc", players: 2 },
    ]);
  });

  it("never writes a token, wherever it hides in a string", async () => {
    const token = await signToken("a-secret-a-secret-a-secret-a-secret", { pid: "player_0123456789", name: "Ada" });
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((text: string) => void lines.push(text));
    log("error", "unhandled", {
      error: `Error: bad request ?token=${token}&x=1`,
      path: `/parties/match/abc?token=${token}`,
    });
    expect(lines.join("\n")).not.toContain(token);
    expect(lines.join("\n")).toContain("[redacted]");
    expect(redact(`Bearer ${token}`)).toBe("Bearer [redacted]");
  });

  it("samples rejected input: every one at a rate of 1, none at 0, some at 100", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((text: string) => void lines.push(text));
    for (let i = 0; i < 50; i++) logRejected({ PLY_LOG_REJECTED_EVERY: "1" }, { code: "bad-message" });
    expect(lines).toHaveLength(50);
    lines.length = 0;
    for (let i = 0; i < 50; i++) logRejected({ PLY_LOG_REJECTED_EVERY: "0" }, { code: "bad-message" });
    expect(lines).toHaveLength(0);
    for (let i = 0; i < 5_000; i++) logRejected({}, { code: "bad-message" });
    // 1 in 100 by default: 50 expected; far outside 10–150 would mean no sampling or no logging.
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.length).toBeLessThan(150);
  });
});
