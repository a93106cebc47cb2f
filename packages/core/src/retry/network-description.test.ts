import { closedPort } from "@assmbl/testing/ports";
import { describe, expect, it } from "vitest";
import { describeNetworkFailure, hostOf } from "./network-description.js";

async function thrownBy(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

const coded = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(code), { code, ...extra });

describe("hostOf: the peer without path, query or user info", () => {
  it.each([
    ["https://s3.example.com/bucket/key?X-Amz-Signature=secret", "s3.example.com:443"],
    ["http://user:pass@127.0.0.1:8025/v1/send?token=secret", "127.0.0.1:8025"],
    ["http://[::1]:9000/x", "[::1]:9000"],
    ["http://localhost/", "localhost:80"],
  ])("%s -> %s", (url, host) => {
    expect(hostOf(url)).toBe(host);
  });

  it("is undefined for what is not an absolute URL", () => {
    expect(hostOf("v1/send")).toBeUndefined();
    expect(hostOf(undefined)).toBeUndefined();
  });
});

describe("describeNetworkFailure", () => {
  it("names host:port and ECONNREFUSED for a real refused fetch, and no query", async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/v1/inbox?token=am_secret_in_query`;
    const error = await thrownBy(() => fetch(url));
    const text = describeNetworkFailure(error, url);
    expect(text).toBe(`could not connect to 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(text).not.toContain("am_secret_in_query");
  });

  it("reads the peer from the socket error when no URL is given", async () => {
    const port = await closedPort();
    const error = await thrownBy(() => fetch(`http://127.0.0.1:${port}/`));
    expect(describeNetworkFailure(error)).toBe(
      `could not connect to 127.0.0.1:${port} (ECONNREFUSED)`,
    );
  });

  it("names a failed DNS lookup's host and brackets an IPv6 address", () => {
    const dns = new TypeError("fetch failed", {
      cause: coded("ENOTFOUND", { hostname: "api.invalid" }),
    });
    expect(describeNetworkFailure(dns)).toBe("could not connect to api.invalid (ENOTFOUND)");
    const v6 = coded("ECONNREFUSED", { address: "::1", port: 9 });
    expect(describeNetworkFailure(v6)).toBe("could not connect to [::1]:9 (ECONNREFUSED)");
  });

  it("does not say 'could not connect' when the request may have been sent", () => {
    const reset = new TypeError("fetch failed", { cause: coded("ECONNRESET") });
    expect(describeNetworkFailure(reset, "https://api.example.com/v1/send")).toBe(
      "the connection to api.example.com:443 failed (ECONNRESET)",
    );
  });

  it("without a code, says the innermost message with any URL cut to its host", () => {
    const bare = new TypeError("fetch failed", {
      cause: new Error("other side closed by https://s3.example.com/k?X-Amz-Signature=secret"),
    });
    const text = describeNetworkFailure(bare);
    expect(text).toBe(
      "the connection to the server failed (other side closed by s3.example.com:443)",
    );
  });

  it("never throws on a hostile error object", () => {
    const hostile = new Proxy(new TypeError("fetch failed"), {
      get() {
        throw new Error("no");
      },
    });
    expect(describeNetworkFailure(hostile, "not a url")).toBe(
      "the connection to the server failed (network error)",
    );
  });
});
