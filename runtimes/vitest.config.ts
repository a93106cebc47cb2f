import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // A guard against hangs, not a speed check: each test bundles with esbuild and starts a
    // runtime (workerd, Bun, Deno) that generates keys; on a loaded 2-core machine that is slow.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
