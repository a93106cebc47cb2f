import { AgentMailError } from "@assmbl/core";
import { createAgentMailClient } from "@assmbl/transport-api";
import { run as plainSes } from "../01-plain-ses.js";
import { run as encryptedSes } from "../02-encrypted-ses.js";
import { run as requireEncryption } from "../03-require-encryption.js";
import { run as apiSend } from "../04-api-send.js";
import { run as htmlHeaders } from "../05-html-headers.js";
import { run as receive } from "../06-receive.js";
import { run as webhookReceiver } from "../07-webhook-receiver.js";
import { run as marketplace } from "../08-marketplace.js";
import { DevAgents, type DevPlatform, startDevPlatform } from "../dev-platform.js";
import type { SentMessage } from "../facts.js";
import {
  type Delivery,
  deliveryBlock,
  freshLookupCheck,
  receiveBlock,
  refusalBlock,
  wireShape,
} from "./checks.js";
import { marketplaceBlock } from "./marketplace-checks.js";
import { inboxReader } from "./observe.js";
import { delivery, idempotencyChecks } from "./platform-checks.js";
import {
  assembleReport,
  type DemoReport,
  expectEqual,
  expectThat,
  type ReportBlock,
  type ReportSection,
} from "./report.js";
import { webhookBlock } from "./webhook-checks.js";

/**
 * Options of {@link runDemo}.
 *
 * @example
 * await runDemo({ beforeExamples: ({ server }) => server.store.revoke("other-agent") });
 */
export interface DemoOptions {
  /**
   * Called once the platform is set up, before any example runs. Tests use it to break
   * something and see the demo report the deviation.
   */
  beforeExamples?: ((platform: DevPlatform) => void | Promise<void>) | undefined;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

async function attempt<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const code = AgentMailError.is(error) ? `${error.code}: ` : "";
    return { ok: false, error: `${code}${error instanceof Error ? error.message : String(error)}` };
  }
}

const failedBlock = (error: string): ReportBlock => ({
  heading: "the example failed",
  checks: [expectThat("ran to the end", false, "", error)],
});

/**
 * Runs the eight examples against an in-process dev server with freshly registered agents, then
 * reads the recipient's inbox and checks each message against what its example sent. Never
 * throws for a deviation: the report says what deviated, and `passed` is false.
 *
 * @example
 * const report = await runDemo();
 * console.log(renderReport(report));
 * process.exitCode = report.passed ? 0 : 1;
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const started = performance.now();
  const platform = await startDevPlatform();
  try {
    await options.beforeExamples?.(platform);
    const { context, server } = platform;
    const lookups = (agentId: string) =>
      server.requests.count({ path: `/public/agents/${agentId}` });

    const ex1 = await attempt(() => plainSes(context));
    const ex2 = await attempt(() => encryptedSes(context));
    const before = { recipient: lookups(DevAgents.recipient), revoked: lookups(DevAgents.revoked) };
    const ex3 = await attempt(() => requireEncryption(context));
    const fresh = {
      recipient: lookups(DevAgents.recipient) - before.recipient,
      revoked: lookups(DevAgents.revoked) - before.revoked,
    };
    const ex4 = await attempt(() => apiSend(context));
    const ex5 = await attempt(() => htmlHeaders(context));
    const sent4 = ex4.ok ? ex4.value.sent[0] : undefined;
    const ex6: Outcome<Awaited<ReturnType<typeof receive>>> = sent4
      ? await attempt(() => receive(context, { subject: sent4.message.subject }))
      : { ok: false, error: "example 4 sent nothing to read" };
    const ex7 = await attempt(() => webhookReceiver(context));
    const ex8 = await attempt(() => marketplace(context));

    const read = await inboxReader(context);
    const deliver = (sent: SentMessage) => delivery(platform, read, sent);
    const signed = { signed: context.sender.signingKey !== undefined };
    const inboxSize = (agentId: string) => server.store.inbox(agentId).length;
    const sections: ReportSection[] = [];

    sections.push({
      title: "1. Plain email through SES",
      file: "01-plain-ses.ts",
      blocks: ex1.ok
        ? await Promise.all(
            ex1.value.sent.map(async (sent) => deliveryBlock(await deliver(sent), signed)),
          )
        : [failedBlock(ex1.error)],
    });

    const ex2Delivery = ex2.ok && ex2.value.sent[0] ? await deliver(ex2.value.sent[0]) : undefined;
    const ex3Delivery = ex3.ok && ex3.value.sent[0] ? await deliver(ex3.value.sent[0]) : undefined;
    const shapeOf = (d: Delivery | undefined) =>
      d && !("error" in d.observed) ? wireShape(d.observed) : undefined;
    sections.push({
      title: "2. Encrypted body through SES raw",
      file: "02-encrypted-ses.ts",
      blocks: ex2Delivery
        ? [
            withChecks(deliveryBlock(ex2Delivery, signed), [
              expectEqual(
                "same wire shape as /send (ex. 3)",
                shapeOf(ex2Delivery),
                shapeOf(ex3Delivery),
              ),
            ]),
          ]
        : [failedBlock(ex2.ok ? "sent nothing" : ex2.error)],
    });

    sections.push({
      title: "3. Requiring encryption (fresh lookup, fail closed)",
      file: "03-require-encryption.ts",
      blocks:
        ex3.ok && ex3Delivery
          ? [
              withChecks(deliveryBlock(ex3Delivery, signed), [
                freshLookupCheck(fresh.recipient, "though cached since example 2"),
              ]),
              ...expectedRefusals(ex3.value.refusals, [
                [
                  context.refusalPeers.keyless?.address,
                  "peer_missing_openpgp_public_key",
                  {
                    delivered: inboxSize(DevAgents.keyless),
                  },
                ],
                [
                  context.refusalPeers.revoked?.address,
                  "peer_key_revoked",
                  {
                    delivered: inboxSize(DevAgents.revoked),
                    freshLookups: fresh.revoked,
                  },
                ],
              ]),
            ]
          : [failedBlock(ex3.ok ? "sent nothing" : ex3.error)],
    });

    sections.push({
      title: "4. One-step /send: encrypted body and attachment",
      file: "04-api-send.ts",
      blocks: sent4
        ? [
            withChecks(deliveryBlock(await deliver(sent4), signed), [
              expectEqual(
                "own retry, same key",
                ex4.ok ? ex4.value.ownRetry : undefined,
                "idempotency_key_reused",
                "refused: 409 idempotency_key_reused",
              ),
              ...idempotencyChecks(platform, sent4),
            ]),
          ]
        : [failedBlock(ex4.ok ? "sent nothing" : ex4.error)],
    });

    const sent5 = ex5.ok ? ex5.value.sent[0] : undefined;
    sections.push({
      title: "5. HTML + text with custom routing headers",
      file: "05-html-headers.ts",
      blocks: sent5
        ? [
            deliveryBlock(await deliver(sent5), {
              ...signed,
              extraHeaders: { "X-Workflow-Name": "quarterly-close" }, // the mailer's defaultHeaders
            }),
          ]
        : [failedBlock(ex5.ok ? "sent nothing" : ex5.error)],
    });

    sections.push({
      title: "6. The receiving agent",
      file: "06-receive.ts",
      blocks:
        ex6.ok && sent4 ? [receiveBlock(ex6.value, sent4)] : [failedBlock(ex6.ok ? "" : ex6.error)],
    });

    sections.push({
      title: "7. A webhook receiver",
      file: "07-webhook-receiver.ts",
      blocks: ex7.ok
        ? [
            webhookBlock(ex7.value, {
              sender: context.sender.address,
              deliveries: server.webhooks.deliveries(),
              webhookAfter: await createAgentMailClient({
                baseUrl: server.url,
                token: context.recipient.token ?? "",
              }).getWebhook(),
            }),
          ]
        : [failedBlock(ex7.error)],
    });

    sections.push({
      title: "8. A marketplace job: reserved, then settled",
      file: "08-marketplace.ts",
      blocks: ex8.ok ? [marketplaceBlock(ex8.value)] : [failedBlock(ex8.error)],
    });

    const preamble = [
      `AgentMail SDK examples against a local dev server at ${server.url} (mail domain ${server.mailDomain})`,
      `  ${DevAgents.sender.padEnd(14)} sends; signs with its key (registered through POST /directory/register)`,
      `  ${DevAgents.recipient.padEnd(14)} receives; reads with its private key (registered likewise)`,
      `  ${DevAgents.keyless.padEnd(14)} registered an identity key but no OpenPGP key`,
      `  ${DevAgents.revoked.padEnd(14)} registered a key, ${DevAgents.sender} cached it, then it was revoked (POST /directory/revoke)`,
      `  in example 8 ${DevAgents.sender} buys from ${DevAgents.recipient}; every wallet starts at 100.00 USD`,
    ];
    return assembleReport(preamble, sections, performance.now() - started);
  } finally {
    await platform.close();
  }
}

function withChecks(block: ReportBlock, extra: ReportBlock["checks"]): ReportBlock {
  return { heading: block.heading, checks: [...block.checks, ...extra] };
}

function expectedRefusals(
  attempts: { to: string; refused: boolean; code?: string; message?: string }[],
  expected: [string | undefined, string, { delivered: number; freshLookups?: number }][],
): ReportBlock[] {
  return expected.map(([to, code, seen]) => {
    const tried = attempts.find((item) => item.to === to);
    return tried
      ? refusalBlock(tried, code, seen)
      : {
          heading: `refused: ${to}`,
          checks: [expectThat("was attempted", false, "", "not attempted")],
        };
  });
}
