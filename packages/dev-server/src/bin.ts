#!/usr/bin/env node
// The `agentmail-dev` executable: a thin wrapper around runCli (see cli.ts), which tests run in-process.
import { runCli } from "./cli.js";

runCli(process.argv.slice(2)).then(
  (server) => {
    if (!server) return;
    const stop = () => {
      void server.stop().then(() => process.exit(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
