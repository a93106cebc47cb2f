import { networkFailure } from "@assmbl/core";
import { answerMayFollowWork } from "./http-errors.js";

/**
 * A `fetch` that notes, for each attempt of one call, whether the server may have done the work
 * (a 2xx, a 5xx other than 503, or a failure after the request may have left), and says whether
 * any attempt before the last one did. A 2xx followed by another attempt is one whose body could
 * not be read: the work was done, the answer lost.
 *
 * @internal
 * @example
 * const observer = observeAttempts(http.fetch);
 * await httpFor(observer.fetch).call({ route: Routes.putWebhook, json, schema, what });
 * if (observer.earlierMayHaveWorked()) console.log("a retried attempt's answer was lost");
 */
export function observeAttempts(inner: typeof fetch): {
  fetch: typeof fetch;
  earlierMayHaveWorked(): boolean;
} {
  const mayHaveWorked: boolean[] = [];
  const observed: typeof fetch = async (input, init) => {
    const at = mayHaveWorked.push(false) - 1;
    try {
      const response = await inner(input, init);
      mayHaveWorked[at] = response.ok || answerMayFollowWork(response.status);
      return response;
    } catch (error) {
      mayHaveWorked[at] = networkFailure(error)?.sent !== "no";
      throw error;
    }
  };
  return {
    fetch: observed,
    earlierMayHaveWorked: () => mayHaveWorked.slice(0, -1).some(Boolean),
  };
}
