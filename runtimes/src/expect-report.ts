import { expect } from "vitest";
import { ATTACHMENT_TEXT, type Platform, SENT_TEXT } from "./platform.js";
import type { RuntimeRun } from "./runners.js";
import type { ScenarioInput, ScenarioReport } from "./scenario/types.js";

/**
 * The report of a run, or a failure that shows what the runtime threw (name, code, stack).
 *
 * @example
 * const report = reportOf(await runBun(input));
 */
export function reportOf(run: RuntimeRun): ScenarioReport {
  if (!run.outcome.ok) {
    const { name, code, message, stack } = run.outcome.error;
    throw new Error(`the scenario failed: ${name} ${code ?? ""}: ${message}\n${stack}`);
  }
  return run.outcome.report;
}

/**
 * The messages the dev server delivered to the recipient for this run.
 *
 * @example
 * expect(deliveredFor(platform, input)).toHaveLength(1);
 */
export function deliveredFor(platform: Platform, input: ScenarioInput): unknown[] {
  return platform.server.store
    .inbox(input.recipient.agentId)
    .filter((m) => m.subject === `runtime scenario ${input.runId}`);
}

/**
 * What every runtime must report: the text decrypted and signed as sent, by encryptUtf8/
 * decryptUtf8, fetchMessage and openMessage alike; the webhook accepted as signed and refused
 * when altered; exactly one message delivered.
 *
 * @example
 * expectScenarioPassed(platform, input, reportOf(run));
 */
export function expectScenarioPassed(
  platform: Platform,
  input: ScenarioInput,
  report: ScenarioReport,
): void {
  expect(report.crypto).toEqual({ armored: true, text: SENT_TEXT, verification: "valid" });
  expect(report.send).toMatchObject({
    transport: "agentmail-api",
    encryptedBody: true,
    encryptedAttachments: true,
  });
  const reading = {
    encrypted: true,
    bodyTextDecrypted: SENT_TEXT,
    verification: "valid",
    bodyError: null,
    attachments: [
      {
        filename: "notes.txt",
        decrypted: true,
        verification: "valid",
        text: ATTACHMENT_TEXT,
        error: null,
      },
    ],
  };
  expect(report.fetched).toEqual(reading);
  expect(report.opened).toEqual(reading);
  expect(report.webhook).toEqual({
    asText: "ok",
    asBytes: "ok",
    tamperedBody: "invalid_webhook_signature",
    wrongSecret: "invalid_webhook_signature",
    missingSignature: "invalid_webhook_signature",
  });
  expect(deliveredFor(platform, input)).toHaveLength(1);
}
