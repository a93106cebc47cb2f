// redact() on the error bodies a hostile or careless server can send back (16 KiB to 128 KiB),
// with an ordinary token and with a 4 KiB / 16 KiB / 64 KiB secret (a pasted key), against the
// naive reference: exact-match replacement (`text.split(secret).join(...)`), which finds only the
// secret as written. redact() also finds case-changed, base64, hex, percent, JSON-escaped, QP,
// HTML-entity and folded echoes and long fragments; the figures show what that costs and that it
// grows linearly with body and secret, never quadratically.
// Run: pnpm --filter @assmbl/core bench
import { redact } from "../dist/index.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
let seed = 13;
const random = (n) => {
  let out = "";
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out += ALPHABET[(seed >>> 16) % 64]; // the high bits: the low ones repeat every 64 draws
  }
  return out;
};
const naive = (text, secrets) =>
  secrets.reduce((out, secret) => out.split(secret).join("[redacted]"), text);
const perCall = (fn, reps) => {
  fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) fn();
  return Number(process.hrtime.bigint() - started) / 1e6 / reps;
};

const token = `am_live_${random(40)}`;
const secret4k = random(4096);
const filler = (n) => random(n);
// Each body is built around the secret it is redacted of: `echo` is how the server repeats it.
const bodies = {
  "json error, no echo": () => JSON.stringify({ error: "unauthorized", message: filler(16000) }),
  "prose, no echo": () => "The quick brown fox jumps over the lazy dog. ".repeat(360),
  "escapes everywhere, no echo": () => "%41\\u0042&#67;=44 ".repeat(900),
  "echoed as written": (secret) => `${filler(6000)} ${secret} ${filler(6000)}`,
  "echoed as base64": (secret) =>
    `${filler(6000)} ${Buffer.from(secret).toString("base64")} ${filler(6000)}`,
  "echoed upper-cased": (secret) => `${filler(6000)} ${secret.toUpperCase()} ${filler(6000)}`,
  "echoed percent-encoded": (secret) =>
    `${filler(6000)} ${[...secret].map((c) => `%${c.charCodeAt(0).toString(16)}`).join("")} ${filler(6000)}`,
};
const leaks = (text, secret) =>
  [secret, secret.toUpperCase(), Buffer.from(secret).toString("base64")].some((form) =>
    text.includes(form),
  ) || text.includes(`%${secret.charCodeAt(0).toString(16)}%${secret.charCodeAt(1).toString(16)}%`);

console.log(
  "body                          secret          naive ms  redact ms  leaks after (naive / redact)",
);
for (const [name, make] of Object.entries(bodies)) {
  for (const [label, secret] of [
    ["48-char token", token],
    ["4 KiB secret", secret4k],
  ]) {
    const body = make(secret);
    const a = perCall(() => naive(body, [secret]), 20);
    const b = perCall(() => redact(body, [secret]), 20);
    const after = `${leaks(naive(body, [secret]), secret)} / ${leaks(redact(body, [secret]), secret)}`;
    console.log(
      `${name.padEnd(29)} ${label.padEnd(15)} ${a.toFixed(3).padStart(8)} ${b.toFixed(3).padStart(10)}  ${after}`,
    );
  }
}
const json16 = bodies["json error, no echo"]();
console.log("\nscaling (redact ms per call)");
for (const kib of [16, 32, 64, 128]) {
  const body = random(kib * 1024);
  console.log(
    `body ${String(kib).padStart(3)} KiB, 4 KiB secret: ${perCall(() => redact(body, [secret4k]), 5).toFixed(2)}`,
  );
}
for (const kib of [4, 16, 64]) {
  const secret = random(kib * 1024);
  console.log(
    `secret ${String(kib).padStart(2)} KiB, 16 KiB body: ${perCall(() => redact(json16, [secret]), 3).toFixed(2)}`,
  );
}
