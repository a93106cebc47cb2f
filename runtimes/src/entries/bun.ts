// Bun: the scenario input arrives on stdin (keys stay out of argv), the outcome leaves on stdout.
import { scenarioOutcome } from "../scenario/outcome.js";
import type { ScenarioInput } from "../scenario/types.js";

declare const Bun: { stdin: { text(): Promise<string> } };

const input = JSON.parse(await Bun.stdin.text()) as ScenarioInput;
console.log(JSON.stringify(await scenarioOutcome(input)));
