// The Worker: POST the scenario input as JSON, get the outcome back as JSON.
import { scenarioOutcome } from "../scenario/outcome.js";
import type { ScenarioInput } from "../scenario/types.js";

export default {
  async fetch(request: Request): Promise<Response> {
    const input = (await request.json()) as ScenarioInput;
    return Response.json(await scenarioOutcome(input));
  },
};
