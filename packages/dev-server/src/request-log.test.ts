import { expect, it } from "vitest";
import { RequestLog } from "./request-log.js";

it("counts with every filter field, and a global RegExp gives the same answer twice", () => {
  const log = new RequestLog();
  log.record({ method: "get", path: "/a", status: 200 });
  log.record({ method: "POST", path: "/a", status: 400 });
  log.record({ method: "GET", path: "/b", status: 404, at: new Date(0) });
  expect(log.count()).toBe(3);
  expect(log.count({ method: "GET" })).toBe(2);
  expect(log.count({ path: "/a" })).toBe(2);
  expect(log.count({ method: "post", path: "/a" })).toBe(1);
  const global = /^\/[ab]$/g;
  expect(log.count({ path: global })).toBe(3);
  expect(log.count({ path: global })).toBe(3);
  expect(log.entries()[2]).toEqual({ method: "GET", path: "/b", status: 404, at: new Date(0) });
});

it("hands out copies", () => {
  const log = new RequestLog();
  log.record({ method: "GET", path: "/", status: 200 });
  const [entry] = log.entries();
  if (entry) {
    entry.status = 500;
    entry.at.setTime(0);
  }
  expect(log.entries()[0]?.status).toBe(200);
  expect(log.entries()[0]?.at.getTime()).not.toBe(0);
  log.clear();
  expect(log.entries()).toEqual([]);
});

it("keeps the authenticated agent and tells a listener of each entry (a copy)", () => {
  const heard: Array<{ path: string; agentId?: string }> = [];
  const log = new RequestLog((entry) => {
    heard.push(entry);
    entry.path = "/changed";
  });
  log.record({ method: "POST", path: "/send", status: 200, agentId: "my-agent" });
  log.record({ method: "GET", path: "/x", status: 404, agentId: undefined });
  expect(heard.map(({ path, agentId }) => [path, agentId])).toEqual([
    ["/changed", "my-agent"],
    ["/changed", undefined],
  ]);
  expect(log.entries().map((entry) => [entry.path, entry.agentId])).toEqual([
    ["/send", "my-agent"],
    ["/x", undefined],
  ]);
  expect("agentId" in (log.entries()[1] ?? {})).toBe(false);
});
