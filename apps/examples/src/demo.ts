/**
 * `pnpm demo`: runs every example against an in-process dev server, prints what went over which
 * transport and what the recipient saw, and exits 1 when anything deviated from what the
 * examples document (0 otherwise).
 */
import { renderReport } from "./demo/report.js";
import { type DemoOptions, runDemo } from "./demo/run-demo.js";
import { isMainModule } from "./standalone.js";

/**
 * Runs the demo, prints its report, and returns the exit code: 0 when every check held, else 1.
 *
 * @example
 * process.exitCode = await main();
 */
export async function main(
  options: DemoOptions = {},
  print: (text: string) => void = (text) => console.log(text),
): Promise<number> {
  try {
    const report = await runDemo(options);
    print(renderReport(report));
    return report.passed ? 0 : 1;
  } catch (error) {
    print(
      `FAIL: the demo could not run: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
}

if (isMainModule(import.meta.url)) {
  // The demo's SES client talks to the local dev server: the AWS SDK's notice that its future
  // releases need Node 22 says nothing about the demo, so it stays out of the report (the
  // examples run on their own still show it).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  process.exitCode = await main();
}
