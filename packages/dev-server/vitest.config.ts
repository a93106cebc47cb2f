import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // A guard against hangs, not a speed check: a loaded machine can be slow.
    testTimeout: 30_000,
  },
});
