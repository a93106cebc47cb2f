import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { AgentMailError } from "../errors.js";
import {
  isRetryableFailure,
  type RetryClassification,
  type RetryFailure,
} from "./classification.js";
import {
  errorChain,
  isNetworkError,
  isTimeoutError,
  networkErrorCode,
  networkFailure,
} from "./network-errors.js";

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe("networkFailure: one classification for every transport", () => {
  it.each([
    [
      "undici: fetch failed, refused",
      new TypeError("fetch failed", { cause: coded("ECONNREFUSED") }),
      { code: "ECONNREFUSED", sent: "no" },
    ],
    [
      "undici: fetch failed, DNS",
      new TypeError("fetch failed", { cause: coded("ENOTFOUND") }),
      { code: "ENOTFOUND", sent: "no" },
    ],
    [
      "undici: connect timeout",
      new TypeError("fetch failed", { cause: coded("UND_ERR_CONNECT_TIMEOUT") }),
      { code: "UND_ERR_CONNECT_TIMEOUT", sent: "no" },
    ],
    [
      "undici: other side closed",
      new TypeError("fetch failed", { cause: coded("UND_ERR_SOCKET") }),
      { code: "UND_ERR_SOCKET", sent: "maybe" },
    ],
    [
      "happy eyeballs: AggregateError of refusals",
      new TypeError("fetch failed", {
        cause: new AggregateError([coded("ECONNREFUSED"), coded("ECONNREFUSED")]),
      }),
      { code: "ECONNREFUSED", sent: "no" },
    ],
    [
      "Node socket error (AWS SDK handler, no $metadata)",
      coded("ECONNRESET", "socket hang up"),
      { code: "ECONNRESET", sent: "maybe" },
    ],
    ["EADDRNOTAVAIL", coded("EADDRNOTAVAIL"), { code: "EADDRNOTAVAIL", sent: "no" }],
    ["a read timeout", coded("ETIMEDOUT"), { code: "ETIMEDOUT", sent: "maybe" }],
    [
      "a TypeError without a code (fetch's network error)",
      new TypeError("Failed to fetch"),
      { code: undefined, sent: "maybe" },
    ],
    [
      "wrapped: an AgentMailError whose cause was refused",
      new AgentMailError({ code: "network_error", message: "x", cause: coded("ECONNREFUSED") }),
      { code: "ECONNREFUSED", sent: "no" },
    ],
  ])("%s", (_, error, expected) => {
    expect(networkFailure(error)).toEqual(expected);
    expect(isNetworkError(error)).toBe(true);
    expect(networkErrorCode(error)).toBe(expected.code);
  });

  it.each([
    ["a plain Error", new Error("bad input")],
    ["an unknown code", coded("ERR_INVALID_ARG_TYPE")],
    ["an AgentMailError's own code", new AgentMailError({ code: "network_error", message: "x" })],
    ["not an error", "ECONNREFUSED"],
    ["nothing", undefined],
  ])("%s is not a network failure", (_, error) => {
    expect(networkFailure(error)).toBeUndefined();
    expect(isNetworkError(error)).toBe(false);
  });

  it("walks a cyclic chain once, and only so deep", () => {
    const a = new Error("a") as Error & { cause?: unknown };
    const b = new Error("b", { cause: a });
    a.cause = b;
    expect(errorChain(a)).toEqual([a, b]);
    let deep: unknown = coded("ECONNRESET");
    for (let i = 0; i < 40; i++) deep = new Error(`level ${i}`, { cause: deep });
    expect(networkFailure(deep)).toBeUndefined();
  });

  it("reads timeouts by name down the chain", () => {
    expect(isTimeoutError(new DOMException("late", "TimeoutError"))).toBe(true);
    expect(
      isTimeoutError(new Error("x", { cause: new DOMException("late", "TimeoutError") })),
    ).toBe(true);
    expect(isTimeoutError(new DOMException("stop", "AbortError"))).toBe(false);
  });
});

describe("networkFailure on what Node's fetch really throws", () => {
  async function listen(server: Server): Promise<string> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  it("a refused connection sent nothing; a connection closed mid-request may have", async () => {
    const gone = createServer();
    const goneUrl = await listen(gone);
    await new Promise((resolve) => gone.close(resolve));
    const refused = await fetch(goneUrl).catch((error: unknown) => error);
    expect(networkFailure(refused)).toEqual({ code: "ECONNREFUSED", sent: "no" });

    const rude = createServer((request) => request.socket.destroy());
    const rudeUrl = await listen(rude);
    try {
      const dropped = await fetch(rudeUrl).catch((error: unknown) => error);
      expect(networkFailure(dropped)?.sent).toBe("maybe");
    } finally {
      await new Promise((resolve) => rude.close(resolve));
    }
  });
});

describe("isRetryableFailure: the classification table", () => {
  const flag: RetryClassification = { retryableFlag: true };
  const directory: RetryClassification = {
    retryableFlag: true,
    statuses: [408, 429, 500, 502, 503, 504],
    timeouts: true,
    network: "any",
  };
  const ses = (retryAmbiguous: boolean): RetryClassification => ({
    codes: ["throttled", "network_error"],
    ambiguous: retryAmbiguous ? "always" : "never",
  });
  const error = (code: string, extra: Partial<{ retryable: boolean; status: number }> = {}) =>
    new AgentMailError({ code, message: code, ...extra });
  const refused = new TypeError("fetch failed", { cause: coded("ECONNREFUSED") });
  const reset = coded("ECONNRESET");

  const table: [string, RetryClassification, RetryFailure, boolean][] = [
    ["flag: retryable code", flag, { error: error("timeout") }, true],
    ["flag: final code", flag, { error: error("idempotency_key_reused") }, false],
    ["flag: overridden flag", flag, { error: error("server_error", { retryable: false }) }, false],
    ["flag: raw errors are not classified by it", flag, { error: refused }, false],
    ["statuses: listed", directory, { error: {}, status: 503 }, true],
    ["statuses: not listed", directory, { error: {}, status: 501 }, false],
    [
      "statuses: not read from an AgentMailError (its code's status is no answer)",
      { statuses: [429, 502] },
      { error: error("response_too_large") },
      false,
    ],
    ["timeouts", directory, { error: new DOMException("late", "TimeoutError") }, true],
    ["network any: a reset", directory, { error: reset }, true],
    ["network not_sent: a reset is not", { network: "not_sent" }, { error: reset }, false],
    ["network not_sent: a refusal is", { network: "not_sent" }, { error: refused }, true],
    [
      "network: an AgentMailError is already classified",
      directory,
      { error: error("response_too_large", { retryable: false }) },
      false,
    ],
    ["neverCodes veto", { ...flag, neverCodes: ["timeout"] }, { error: error("timeout") }, false],
    ["ses: throttled", ses(false), { error: error("throttled") }, true],
    [
      "ses: ambiguous, never",
      ses(false),
      { error: error("transport_failed"), ambiguous: true },
      false,
    ],
    [
      "ses: ambiguous, always",
      ses(true),
      { error: error("transport_failed"), ambiguous: true },
      true,
    ],
    [
      "ses: a refusal that is also ambiguous, never",
      ses(false),
      { error: error("network_error"), ambiguous: true },
      false,
    ],
    ["ses: final", ses(true), { error: error("message_rejected") }, false],
  ];
  it.each(table)("%s", (_, classification, failure, expected) => {
    expect(isRetryableFailure(failure, classification)).toBe(expected);
  });
});
