import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Shared fixtures (@assmbl/testing/crafted) import this package by name: its tests see its
  // source, not a possibly stale build of itself.
  resolve: {
    alias: [
      {
        find: /^@assmbl\/crypto$/,
        replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)),
      },
    ],
  },
  test: {
    include: ["src/**/*.test.ts"],
    // A guard against hangs, not a speed check: python3 and gpg subprocesses are slow on a loaded machine.
    testTimeout: 30_000,
  },
});
