import { describe, expect, it } from "vitest";
import { networkFailure } from "./network-errors.js";

// A maybe-sent failure read as "nothing was sent" is a duplicate send: every consumer retries
// a `sent: "no"` failure, and the transports report it as `not_sent`.

const socketError = (code: string, syscall?: string) =>
  Object.assign(new Error(syscall ? `${syscall} ${code}` : code), {
    code,
    ...(syscall ? { syscall } : {}),
  });

describe("networkFailure: a sign that the request may have left wins", () => {
  it("a reset anywhere in the chain outweighs a refusal found before it", () => {
    // A fetch wrapper that tried twice: the first connection was refused, the second reset
    // after the request was written.
    const error = new TypeError("fetch failed", {
      cause: new AggregateError([
        socketError("ECONNREFUSED", "connect"),
        socketError("ECONNRESET", "read"),
      ]),
    });
    expect(networkFailure(error)).toEqual({ code: "ECONNRESET", sent: "maybe" });
  });

  it("a refusal wrapped around an earlier reset is still maybe sent", () => {
    const error = Object.assign(socketError("ECONNREFUSED", "connect"), {
      cause: socketError("UND_ERR_SOCKET"),
    });
    expect(networkFailure(error)?.sent).toBe("maybe");
  });

  it("only refusals: nothing was sent", () => {
    const error = new TypeError("fetch failed", {
      cause: new AggregateError([
        socketError("ECONNREFUSED", "connect"),
        socketError("EHOSTUNREACH", "connect"),
      ]),
    });
    expect(networkFailure(error)).toEqual({ code: "ECONNREFUSED", sent: "no" });
  });
});

describe("networkFailure: unreachable is 'not sent' only when connecting", () => {
  // Linux reports an ICMP unreachable on an established connection as the socket's error when
  // its retransmissions give up (read EHOSTUNREACH): the request had been written by then.
  it.each(["EHOSTUNREACH", "ENETUNREACH"])("%s on read or write: maybe sent", (code) => {
    for (const syscall of ["read", "write", "writev"]) {
      const error = new TypeError("fetch failed", { cause: socketError(code, syscall) });
      expect(networkFailure(error)).toEqual({ code, sent: "maybe" });
    }
  });

  it.each(["EHOSTUNREACH", "ENETUNREACH"])(
    "%s on connect (or with no syscall): not sent",
    (code) => {
      expect(networkFailure(socketError(code, "connect"))).toEqual({ code, sent: "no" });
      expect(networkFailure(socketError(code))).toEqual({ code, sent: "no" });
    },
  );
});
