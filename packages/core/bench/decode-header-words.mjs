// decodeHeaderWords on header values of 64 KiB and 2 MiB (postal-mime's cap on a message's
// headers), shape by shape, against the reference reader: Python's `str(header)` under
// email.policy.default on the same value, timed inside Python, which runs under a 2 GiB address
// space limit (on 2 MiB of encoded words it grows without bound and would be killed). Cost must
// grow linearly with the input, whatever a hostile sender puts in it.
// Run: pnpm --filter @assmbl/core bench
import { execFileSync } from "node:child_process";
import { decodeHeaderWords } from "../dist/index.js";

const SIZE = 2 * 1024 * 1024;
const word = (charset, bytes) => `=?${charset}?b?${Buffer.from(bytes).toString("base64")}?= `;
const SHAPES = [
  ["plain text", "a"],
  ["openers", "=?"],
  ["short utf-8 words", "=?utf-8?q?a?="],
  ["=XX extensions", "=?utf-8?q?=41?="],
  ["unterminated words", "a=?utf-8?q?b "],
  ["gbk words", "=?gbk?q?a?= "],
  ["iso-2022-jp words", word("iso-2022-jp", [0x1b, 0x24, 0x42, 0x46, 0x7c, 0x1b, 0x28, 0x42])],
  ["utf-32 words", word("utf-32", [0xff, 0xfe, 0, 0, 0x61, 0, 0, 0])],
];

const PYTHON = `
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from email import policy
from email.headerregistry import HeaderRegistry
value = sys.stdin.read()
registry = HeaderRegistry()
started = time.perf_counter()
str(registry("X-Bench", value))
print(round((time.perf_counter() - started) * 1000))
`;

console.log("ms to decode: this SDK | Python's email (time, or how it failed)");
for (const size of [64 * 1024, SIZE]) {
  console.log(`-- ${size} characters`);
  for (const [label, unit] of SHAPES) {
    const value = unit.repeat(Math.floor(size / unit.length));
    const started = performance.now();
    decodeHeaderWords(value);
    const ours = Math.round(performance.now() - started);
    let python;
    try {
      python = `${execFileSync("python3", ["-c", PYTHON], { input: value, encoding: "utf8", timeout: 120_000, stdio: ["pipe", "pipe", "pipe"] }).trim()} ms`;
    } catch (error) {
      const stderr =
        String(error.stderr ?? "")
          .trim()
          .split("\n")
          .at(-1) ||
        (error.signal ?? "failed");
      python = `failed: ${stderr}`;
    }
    console.log(`${label.padEnd(20)} ${String(ours).padStart(6)} ms | ${python}`);
  }
}
console.log(`peak RSS of this process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
