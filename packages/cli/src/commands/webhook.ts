import { verifyWebhookSignature } from "@assmbl/transport-api";
import { type Command, InvalidArgumentError } from "commander";
import { CliEnv, required } from "../config.js";
import type { CommandContext } from "../context.js";
import { printResult, readAllCapped } from "../io.js";

// A webhook delivery is a small JSON notification; anything larger is not one.
const MAX_DELIVERY_BYTES = 1024 * 1024;

/**
 * `agentmail webhook verify --timestamp T --signature S < body`: checks a delivery's
 * `X-AgentMail-Signature` against AGENTMAIL_WEBHOOK_SECRET (environment only: a flag would show
 * in `ps`). Exit 0 when it is genuine and fresh, 1 (`invalid_webhook_signature`,
 * `webhook_timestamp_out_of_range`) when not.
 *
 * @example
 * registerWebhook(program, context); // curl ... | agentmail webhook verify --timestamp "$TS" --signature "$SIG"
 */
export function registerWebhook(program: Command, context: CommandContext): void {
  const webhook = program.command("webhook").description("webhook helpers");
  webhook
    .command("verify")
    .description(
      `verify a webhook delivery: the raw body on stdin, the secret in ${CliEnv.webhookSecret}`,
    )
    .requiredOption("--timestamp <seconds>", "the X-AgentMail-Timestamp header")
    .requiredOption("--signature <v1=hex>", "the X-AgentMail-Signature header")
    .option(
      "--max-skew-seconds <n>",
      "largest accepted age of the timestamp (default 300)",
      nonNegativeInt,
    )
    .action(
      async (
        flags: { timestamp: string; signature: string; maxSkewSeconds?: number },
        command: Command,
      ) => {
        const config = context.config(command);
        const secret = required(config.webhookSecret, CliEnv.webhookSecret).reveal();
        const rawBody = await readAllCapped(
          context.io.stdin,
          MAX_DELIVERY_BYTES,
          "the delivery on stdin",
        );
        await verifyWebhookSignature({
          secret,
          timestamp: flags.timestamp,
          signature: flags.signature,
          rawBody,
          ...(flags.maxSkewSeconds !== undefined ? { maxSkewSeconds: flags.maxSkewSeconds } : {}),
        });
        printResult(
          context.io,
          config,
          { valid: true },
          "valid: the delivery is signed with the secret and fresh",
        );
      },
    );
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError("expected a whole number of seconds");
  return n;
}
