// Creates .dev.vars with a random token secret on first start, so `npm start` works on a
// fresh clone. An existing .dev.vars is left alone (tokens issued before stay valid).
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";

const path = new URL("../.dev.vars", import.meta.url);
if (!existsSync(path)) {
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(path, `PLY_TOKEN_SECRET=${secret}\n`, { mode: 0o600 });
  console.log("Created .dev.vars with a random PLY_TOKEN_SECRET for local development.");
}
