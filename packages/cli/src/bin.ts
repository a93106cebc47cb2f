#!/usr/bin/env node
import { run } from "./program.js";

const { code, keepAlive } = await run(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = code;
// Idle keep-alive sockets (SES, fetch) would hold the process for seconds after the answer is
// printed; stdout and stderr are synchronous for files and pipes on POSIX, so exiting loses no
// output. `agentmail mcp` ends by itself when its client closes stdin.
if (!keepAlive) process.exit(code);
