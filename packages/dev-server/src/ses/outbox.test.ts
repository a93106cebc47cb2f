import { expect, it } from "vitest";
import { SesOutbox } from "./outbox.js";

it("keeps copies of what it accepted, counts recipients of the last 24 hours, and clears", () => {
  const outbox = new SesOutbox();
  const raw = new TextEncoder().encode("raw");
  const now = Date.now();
  outbox.add({
    messageId: "m1",
    api: "v1-raw",
    raw,
    destinations: ["a@x.example", "b@x.example"],
    receivedAt: new Date(now - 25 * 60 * 60 * 1000),
    deliveredTo: [],
  });
  outbox.add({
    messageId: "m2",
    api: "v2-raw",
    raw,
    destinations: ["c@x.example"],
    source: "s@x.example",
    receivedAt: new Date(now),
    deliveredTo: ["c"],
  });
  raw[0] = 0;
  const [first] = outbox.messages();
  if (first) {
    first.raw[1] = 0;
    first.destinations.push("x@x.example");
    first.deliveredTo.push("x");
  }
  expect(outbox.messages()[0]).toMatchObject({
    messageId: "m1",
    destinations: ["a@x.example", "b@x.example"],
    deliveredTo: [],
  });
  expect(new TextDecoder().decode(outbox.messages()[0]?.raw)).toBe("raw");
  expect(outbox.sentLast24Hours(new Date(now))).toBe(1);
  expect(outbox.sentLast24Hours(new Date(now - 2 * 60 * 60 * 1000))).toBe(2);
  outbox.clear();
  expect(outbox.messages()).toEqual([]);
  expect(outbox.sentLast24Hours()).toBe(0);
});
