import { fileURLToPath } from "node:url";
import { runReadmeSnippet } from "@assmbl/testing/readme";
import { useRedis } from "@assmbl/testing/redis";
import { afterEach, expect, it } from "vitest";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const redis = useRedis();
afterEach(() => {
  delete process.env.REDIS_URL;
});

// The Redis recipe runs as printed against a real redis-server (the snippet reads REDIS_URL).
it("the README's shared-cache example runs and prints what its comments say", async () => {
  process.env.REDIS_URL = redis().url;
  const logged = await runReadmeSnippet(source("../README.md"), {
    self: source("./index.ts"),
    section: "## Sharing the cache between processes (Redis)",
  });
  expect(logged).toEqual([["other-agent", 1]]);
});
