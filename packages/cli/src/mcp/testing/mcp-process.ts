// `agentmail mcp` from source, for the MCP tests: exactly what src/bin.ts does (the CLI's `run`
// with `mcp`, configuration from the environment), runnable without a build as
//   node --experimental-transform-types --import <@assmbl/testing/source-hooks: sourceHooksPath> mcp-process.ts
import { run } from "../../program.js";

const { code } = await run(["mcp"], {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = code;
