// What checking runWithRetries' options costs per call: the public door (`runWithRetries`,
// which parses its options with zod) against the unchecked one (`runRetries`, which the SDK's own
// packages use per request with options their schemas checked when the client was made), over
// 100k calls whose attempt succeeds at once, so the engine's own overhead is all there is. For
// scale, the same figure for one request to a loopback node:http server.
// Run: pnpm --filter @assmbl/core build && node packages/core/bench/retry-validation.mjs
import { createServer } from "node:http";
import { AgentMailError, realRuntime, runRetries, runWithRetries } from "../dist/index.js";

const CALLS = 100_000;
const signal = new AbortController().signal;
// The shape transport-api hands the engine on every request.
const options = () => ({
  policy: {
    retries: 3,
    maxElapsedMs: 30_000,
    backoff: { baseDelayMs: 300, maxDelayMs: 5_000 },
    maxRetryAfterMs: 60_000,
    retryAfterBeyondCap: "stop",
    retryOn: { retryableFlag: true, codes: ["throttled", "network_error"] },
  },
  runtime: realRuntime,
  signal,
  replayable: true,
  classify: (thrown) => ({ error: thrown }),
  aborted: (fired) =>
    new AgentMailError({ code: "aborted", message: "aborted", cause: fired.reason }),
  finalize: (error) => error,
});
const attempt = async () => 1;

async function perCallMicros(run, calls) {
  for (let i = 0; i < 2_000; i++) await run(); // warm up
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await run();
  return Number(process.hrtime.bigint() - started) / 1e3 / calls;
}

const rounds = [];
for (let round = 0; round < 5; round++) {
  rounds.push({
    checked: await perCallMicros(() => runWithRetries(attempt, options()), CALLS),
    unchecked: await perCallMicros(() => runRetries(attempt, options()), CALLS),
  });
}
const median = (key) => rounds.map((r) => r[key]).sort((a, b) => a - b)[2];
const checked = median("checked");
const unchecked = median("unchecked");

const server = createServer((_request, response) => response.end("ok"));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/`;
const request = await perCallMicros(async () => (await fetch(url)).text(), 2_000);
server.close();

const fmt = (n) => n.toFixed(2).padStart(8);
console.log(`runWithRetries, ${CALLS} calls, attempt resolves at once (median of 5 rounds):`);
console.log(`  checked   (runWithRetries) ${fmt(checked)} µs/call`);
console.log(`  unchecked (runRetries)     ${fmt(unchecked)} µs/call`);
console.log(`  the check                  ${fmt(checked - unchecked)} µs/call`);
console.log(`one loopback fetch           ${fmt(request)} µs/request`);
console.log(
  `the check per request        ${fmt(((checked - unchecked) / request) * 100)} % of a loopback fetch`,
);
