import { Limits } from "@assmbl/core";
import { z } from "zod";
import { describeBodyIssues } from "../http/json-body.js";
import { acceptSend, newSesMessageId, type SesContext } from "./accept.js";
import type { SesCaller } from "./auth.js";
import { decodeBase64Strict } from "./base64.js";
import { SesError } from "./errors.js";

const AddressList = z.array(z.string()).optional();

/** The parts of a v2 `SendEmail` request the dev server reads; other fields are ignored. */
const SendEmailV2Schema = z.looseObject({
  FromEmailAddress: z.string().optional(),
  Destination: z
    .looseObject({ ToAddresses: AddressList, CcAddresses: AddressList, BccAddresses: AddressList })
    .optional(),
  Content: z.looseObject({
    Raw: z.looseObject({ Data: z.string() }).optional(),
    Simple: z.unknown().optional(),
    Template: z.unknown().optional(),
  }),
});

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
