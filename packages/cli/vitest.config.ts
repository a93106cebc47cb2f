import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // A guard against hangs, not a speed check: python3 and gpg subprocesses are slow on a loaded machine.
    testTimeout: 30_000,
  },
});
