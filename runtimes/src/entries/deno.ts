// Deno: the scenario input arrives on stdin (reading it needs no permission; keys stay out of
// argv), the outcome leaves on stdout.
import { scenarioOutcome } from "../scenario/outcome.js";
import type { ScenarioInput } from "../scenario/types.js";

declare const Deno: { stdin: { readable: ReadableStream<Uint8Array> } };

const input = JSON.parse(await new Response(Deno.stdin.readable).text()) as ScenarioInput;
console.log(JSON.stringify(await scenarioOutcome(input)));
