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
