import { Limits } from "@assmbl/core";
import { z } from "zod";
import { describeBodyIssues } from "../http/json-body.js";
import { acceptSend, newSesMessageId, type SesContext } from "./accept.js";
import type { SesCaller } from "./auth.js";
import { decodeBase64Strict } from "./base64.js";
import { SesError } from "./errors.js";

const AddressList = z.array(z.string()).optional();

/**
 * A v2 `SendEmail` request, read strictly as the API defines it (SESv2 API reference, SendEmail):
 * an unknown or ill-typed field is `BadRequestException` naming it, not silently ignored. The
 * fields the dev server has no use for (tags, configuration set, list management, endpoint,
 * tenant, reply-to and feedback addresses) are accepted when well-typed.
 */
const SendEmailV2Schema = z.strictObject({
  FromEmailAddress: z.string().optional(),
  FromEmailAddressIdentityArn: z.string().optional(),
  Destination: z
    .strictObject({ ToAddresses: AddressList, CcAddresses: AddressList, BccAddresses: AddressList })
    .optional(),
  ReplyToAddresses: AddressList,
  FeedbackForwardingEmailAddress: z.string().optional(),
  FeedbackForwardingEmailAddressIdentityArn: z.string().optional(),
  Content: z.strictObject({
    Raw: z.strictObject({ Data: z.string() }).optional(),
    Simple: z.unknown().optional(),
    Template: z.unknown().optional(),
  }),
  EmailTags: z.array(z.strictObject({ Name: z.string(), Value: z.string() })).optional(),
  ConfigurationSetName: z.string().optional(),
  EndpointId: z.string().optional(),
  TenantName: z.string().optional(),
  ListManagementOptions: z
    .strictObject({ ContactListName: z.string(), TopicName: z.string().optional() })
    .optional(),
});

/** Identity ARNs name another account's identity (sending authorization), which never applies here. */
const IDENTITY_ARNS = [
  "FromEmailAddressIdentityArn",
  "FeedbackForwardingEmailAddressIdentityArn",
] as const;

/**
 * Answers a v2 `SendEmail` (`POST /v2/email/outbound-emails`) whose JSON body is already parsed:
 * `Content.Raw.Data` (base64) is kept verbatim; `Destination` is optional (the headers' To, Cc
 * and Bcc otherwise).
 *
 * @throws {SesError} for anything the endpoint refuses; the caller renders it as JSON.
 */
export function sendEmailV2(
  context: SesContext,
  body: unknown,
  caller: SesCaller,
): { MessageId: string } {
  const parsed = SendEmailV2Schema.safeParse(body);
  if (!parsed.success) {
    throw new SesError("invalidParameter", describeBodyIssues(parsed.error.issues));
  }
  for (const name of IDENTITY_ARNS) {
    if (parsed.data[name] !== undefined) {
      throw new SesError(
        "invalidParameter",
        `${name}: the dev server has no sending authorization; send as your own address without an identity ARN.`,
      );
    }
  }
  const { Content, Destination, FromEmailAddress } = parsed.data;
  if (Content.Raw === undefined) {
    throw new SesError(
      "invalidParameter",
      Content.Simple !== undefined || Content.Template !== undefined
        ? "The dev server's SES v2 endpoint supports Content.Raw only, not Content.Simple or Content.Template."
        : "Content must have Raw (the dev server supports raw messages only).",
    );
  }
  const raw = decodeBase64Strict(Content.Raw.Data);
  if (raw === undefined) {
    throw new SesError("invalidParameter", "Content.Raw.Data is not valid base64.");
  }
  const messageId = newSesMessageId();
  acceptSend(context, {
    api: "v2-raw",
    caller,
    messageId,
    raw,
    destinations: [
      ...(Destination?.ToAddresses ?? []),
      ...(Destination?.CcAddresses ?? []),
      ...(Destination?.BccAddresses ?? []),
    ],
    source: FromEmailAddress,
    limitBytes: Limits.sesV2MessageBytes,
  });
  return { MessageId: messageId };
}

/**
 * Answers v2 `GetAccount` (`GET /v2/email/account`): the account's `SendQuota` as `GetSendQuota`
 * reports it (`MaxSendRate` is `sesMaxSendRate` when the server enforces one), production access
 * and sending enabled, enforcement `HEALTHY`.
 *
 * @example
 * const { SendQuota } = await sesv2.send(new GetAccountCommand({}));
 * SendQuota?.MaxSendRate; // 20 with `sesMaxSendRate: 20`
 */
export function getAccountV2(context: SesContext): Record<string, unknown> {
  const quota = context.outbox.sendQuota();
  return {
    DedicatedIpAutoWarmupEnabled: false,
    EnforcementStatus: "HEALTHY",
    ProductionAccessEnabled: true,
    SendQuota: {
      Max24HourSend: quota.max24HourSend,
      MaxSendRate: quota.maxSendRate,
      SentLast24Hours: quota.sentLast24Hours,
    },
    SendingEnabled: true,
  };
}
