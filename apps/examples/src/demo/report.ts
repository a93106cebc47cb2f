/**
 * One expectation about what happened, and whether it held.
 *
 * @example
 * const check: Check = { label: "signature", ok: true, detail: "valid" };
 */
export interface Check {
  label: string;
  ok: boolean;
  /** What was seen (when it held), or `expected ..., got ...` (when it did not). */
  detail: string;
}

/**
 * A heading (a message sent, a refusal) and the checks about it.
 *
 * @example
 * const block: ReportBlock = { heading: "refused: keyless-agent@agents.localhost", checks: [] };
 */
export interface ReportBlock {
  heading: string;
  checks: Check[];
}

/**
 * One example's part of the report.
 *
 * @example
 * const section: ReportSection = { title: "4. One-step /send", file: "04-api-send.ts", blocks: [] };
 */
export interface ReportSection {
  /** `1. Plain email through SES` */
  title: string;
  /** The file that shows it, e.g. `01-plain-ses.ts`. */
  file: string;
  blocks: ReportBlock[];
}

/**
 * What the demo did and saw, and whether everything held.
 *
 * @example
 * const { passed, deviations }: DemoReport = await runDemo();
 */
export interface DemoReport {
  /** Where it ran and who the agents were. */
  preamble: string[];
  sections: ReportSection[];
  /** Every check that did not hold, as `<section>: <label>: <detail>`. */
  deviations: string[];
  checkCount: number;
  refusalCount: number;
  passed: boolean;
  elapsedMs: number;
}

/**
 * A check that `actual` equals `expected` (strict equality), showing `shown` (default: the
 * actual value) when it holds.
 *
 * @example
 * expectEqual("signature", message.verification, "valid"); // { label: "signature", ok: true, detail: "valid" }
 */
export function expectEqual(
  label: string,
  actual: unknown,
  expected: unknown,
  shown?: string,
): Check {
  const ok = Object.is(actual, expected);
  return {
    label,
    ok,
    detail: ok ? (shown ?? cut(String(actual))) : `expected ${show(expected)}, got ${show(actual)}`,
  };
}

/**
 * A check of a condition, with what to show either way.
 *
 * @example
 * expectThat("nothing delivered", inbox.length === 0, "inbox empty", `${inbox.length} messages`);
 */
export function expectThat(label: string, ok: boolean, seen: string, otherwise = seen): Check {
  return { label, ok, detail: ok ? seen : otherwise };
}

const cut = (text: string) => (text.length > 72 ? `${text.slice(0, 69)}...` : text);

/**
 * A value as the report shows it: strings quoted, long ones cut.
 *
 * @example
 * show("All systems green."); // "\"All systems green.\""
 */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  return cut(typeof value === "string" ? JSON.stringify(value) : String(value));
}

/**
 * Puts the sections together: counts the checks and lists those that did not hold.
 *
 * @example
 * const report = assembleReport(preamble, sections, performance.now() - started);
 */
export function assembleReport(
  preamble: string[],
  sections: ReportSection[],
  elapsedMs: number,
): DemoReport {
  const deviations: string[] = [];
  let checkCount = 0;
  let refusalCount = 0;
  for (const section of sections) {
    for (const block of section.blocks) {
      if (block.heading.startsWith("refused")) refusalCount += 1;
      for (const check of block.checks) {
        checkCount += 1;
        if (!check.ok)
          deviations.push(`${section.title}: ${block.heading}: ${check.label}: ${check.detail}`);
      }
    }
  }
  return {
    preamble,
    sections,
    deviations,
    checkCount,
    refusalCount,
    passed: deviations.length === 0 && checkCount > 0,
    elapsedMs,
  };
}

const LABEL_WIDTH = 34;

/**
 * The report as plain, aligned text: a line per check, ✓ or ✗, and a verdict at the end.
 *
 * @example
 * console.log(renderReport(await runDemo()));
 */
export function renderReport(report: DemoReport): string {
  const lines = [...report.preamble, ""];
  for (const section of report.sections) {
    lines.push(`${section.title.padEnd(60)} ${section.file}`);
    for (const block of section.blocks) {
      lines.push(`   ${block.heading}`);
      for (const check of block.checks) {
        lines.push(
          `     ${check.ok ? "✓" : "✗"} ${check.label.padEnd(LABEL_WIDTH)} ${check.detail}`,
        );
      }
    }
    lines.push("");
  }
  const seconds = (report.elapsedMs / 1000).toFixed(1);
  if (report.passed) {
    lines.push(
      `PASS: ${report.sections.length} examples, ${report.checkCount} checks held, ` +
        `${report.refusalCount} refusals as designed (${seconds} s)`,
    );
  } else {
    lines.push(
      `FAIL: ${report.deviations.length} of ${report.checkCount} checks deviated (${seconds} s):`,
    );
    for (const deviation of report.deviations) lines.push(`  ✗ ${deviation}`);
  }
  return lines.join("\n");
}
