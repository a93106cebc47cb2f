import { AgentMailError, Limits, type PreparedMessage } from "@assmbl/core";
import { composeMime } from "@assmbl/mime";
import type { Context } from "hono";
import { acceptSend, mailbox, newSesMessageId, type SesContext } from "./accept.js";
import type { SesCaller } from "./auth.js";
import { decodeBase64Strict } from "./base64.js";
import { quote, SesError, sesV1Response, xmlText } from "./errors.js";

/** The only `Version` of the SES v1 query API. */
export const SES_V1_VERSION = "2010-12-01";

/** The v1 actions the dev server implements. */
export const SES_V1_ACTIONS = ["SendRawEmail", "SendEmail", "GetSendQuota"] as const;

/**
 * Answers one SES v1 query-API request (`Action=...&Version=2010-12-01&...`, already decoded).
 *
 * @throws {SesError} for anything the endpoint refuses; the caller renders it as XML.
 */
export async function handleQueryAction(
  c: Context,
  context: SesContext,
  params: URLSearchParams,
  requestId: string,
  caller: SesCaller,
): Promise<Response> {
  const action = params.get("Action");
  if (action === null || action === "") {
    throw new SesError(
      "missingAction",
      "The request is missing an action or a required parameter.",
    );
  }
  const version = params.get("Version");
  if (version !== null && version !== SES_V1_VERSION) {
    throw new SesError(
      "noSuchVersion",
      `The requested version (${quote(version)}) of service AmazonSimpleEmailService does not exist; use ${SES_V1_VERSION}.`,
    );
  }
  switch (action) {
    case "SendRawEmail":
      return messageIdResponse(c, action, sendRawEmail(context, params, caller), requestId);
    case "SendEmail":
      return messageIdResponse(c, action, await sendEmail(context, params, caller), requestId);
    case "GetSendQuota": {
      const quota = context.outbox.sendQuota();
      const result =
        `<Max24HourSend>${quota.max24HourSend.toFixed(1)}</Max24HourSend>` +
        `<MaxSendRate>${quota.maxSendRate.toFixed(1)}</MaxSendRate>` +
        `<SentLast24Hours>${quota.sentLast24Hours.toFixed(1)}</SentLast24Hours>`;
      return sesV1Response(c, action, result, requestId);
    }
    default:
      throw new SesError(
        "unknownOperation",
        `The action ${quote(action)} is not valid for this web service: the dev server implements ${SES_V1_ACTIONS.join(", ")}.`,
      );
  }
}

function messageIdResponse(
  c: Context,
  action: string,
  messageId: string,
  requestId: string,
): Response {
  return sesV1Response(c, action, `<MessageId>${xmlText(messageId)}</MessageId>`, requestId);
}

/** `SendRawEmail`: `RawMessage.Data` (base64), optional `Destinations.member.N` and `Source`. */
function sendRawEmail(context: SesContext, params: URLSearchParams, caller: SesCaller): string {
  const data = required(params, "RawMessage.Data", "rawMessage.data");
  const raw = decodeBase64Strict(data);
  if (raw === undefined) {
    throw new SesError("invalidParameter", "RawMessage.Data is not valid base64.");
  }
  const messageId = newSesMessageId();
  acceptSend(context, {
    api: "v1-raw",
    caller,
    messageId,
    raw,
    destinations: members(params, "Destinations"),
    source: params.get("Source") ?? undefined,
    limitBytes: Limits.sesV1MessageBytes,
  });
  return messageId;
}

/**
 * `SendEmail`: structured fields, rendered to MIME here (`Charset` is ignored: the form carries
 * UTF-8 text, and the rendering is always UTF-8).
 */
async function sendEmail(
  context: SesContext,
  params: URLSearchParams,
  caller: SesCaller,
): Promise<string> {
  const source = required(params, "Source", "source");
  const subject = required(params, "Message.Subject.Data", "message.subject.data");
  const text = params.get("Message.Body.Text.Data");
  const html = params.get("Message.Body.Html.Data");
  if (text === null && html === null) {
    throw new SesError(
      "missingParameter",
      "1 validation error detected: Value null at 'message.body' failed to satisfy constraint: Member must have Text or Html",
    );
  }
  const to = members(params, "Destination.ToAddresses");
  const cc = members(params, "Destination.CcAddresses");
  const bcc = members(params, "Destination.BccAddresses");
  const prepared: PreparedMessage = {
    specificationVersion: "v1",
    from: mailbox(source),
    to: to.map(mailbox),
    cc: cc.map(mailbox),
    bcc: bcc.map(mailbox),
    replyTo: members(params, "ReplyToAddresses").map(mailbox),
    subject,
    text: text ?? "",
    ...(html === null ? {} : { html }),
    headers: {},
    attachments: [],
    encrypted: { body: false },
  };
  const messageId = newSesMessageId();
  // The same composer the SDK's SES transport uses; SES names SendEmail messages <id@email.amazonses.com>.
  const { raw } = await composeMime(prepared, {
    messageId: `<${messageId}@email.amazonses.com>`,
    date: new Date(),
  }).catch((error: unknown) => {
    // The composer refuses what cannot be a header (control characters, say): so does SES.
    if (AgentMailError.is(error)) throw new SesError("invalidParameter", error.message);
    throw error;
  });
  acceptSend(context, {
    api: "v1-send",
    caller,
    messageId,
    raw,
    destinations: [...to, ...cc, ...bcc],
    source,
    limitBytes: Limits.sesV1MessageBytes,
  });
  return messageId;
}

/** A required parameter, present and not empty. */
function required(params: URLSearchParams, name: string, modelPath: string): string {
  const value = params.get(name);
  if (value === null || value === "") {
    throw new SesError(
      "missingParameter",
      `1 validation error detected: Value null at '${modelPath}' failed to satisfy constraint: Member must not be null (parameter ${name})`,
    );
  }
  return value;
}

/** The values of `prefix.member.1`, `prefix.member.2`, ... in index order. */
function members(params: URLSearchParams, prefix: string): string[] {
  const pattern = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.member\\.([1-9]\\d{0,5})$`);
  const found: Array<[number, string]> = [];
  for (const [key, value] of params) {
    const index = pattern.exec(key)?.[1];
    if (index !== undefined) found.push([Number(index), value]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}
