import { runScenario } from "./scenario.js";
import type { ScenarioInput, ScenarioOutcome } from "./types.js";

/**
 * Runs the scenario and never throws: a failure comes back as JSON the test can show.
 *
 * @example
 * const outcome = await scenarioOutcome(JSON.parse(text));
 */
export async function scenarioOutcome(input: ScenarioInput): Promise<ScenarioOutcome> {
  try {
    return { ok: true, report: await runScenario(input) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const code = (e as { code?: unknown }).code;
    return {
      ok: false,
      error: {
        name: e.name,
        code: typeof code === "string" ? code : null,
        message: e.message,
        stack: e.stack ?? "",
      },
    };
  }
}
