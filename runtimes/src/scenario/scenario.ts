// The one scenario every runtime runs. Web-standard APIs only (fetch, WebCrypto, TextEncoder,
// streams): no node: import, no Buffer, no process. It is bundled from the packages' built dist,
// so it runs what a user of the published packages would run. biome.json enforces the imports.
import { AgentMailError, createMailer } from "@assmbl/core";
import { decryptUtf8, encryptUtf8, loadPrivateKey, openpgpCrypto } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import {
  apiTransport,
  createAgentMailClient,
  openMessage,
  type ReceivedMessage,
  verifyWebhookSignature,
} from "@assmbl/transport-api";
import type {
  AgentInput,
  MessageReading,
  ScenarioInput,
  ScenarioReport,
  WebhookInput,
} from "./types.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Runs the scenario against the dev server named in `input` and reports what each step saw.
 *
 * @example
 * const report = await runScenario(input);
 * report.fetched.bodyTextDecrypted === input.text;
 * @throws {AgentMailError} whatever a step throws (the entry turns it into a JSON error).
 */
export async function runScenario(input: ScenarioInput): Promise<ScenarioReport> {
  const { sender, recipient } = input;
  const senderKey = await loadPrivateKey(sender.privateKeyArmored);
  const recipientKey = await loadPrivateKey(recipient.privateKeyArmored);

  // 1. encrypt and decrypt with @assmbl/crypto alone.
  const armored = await encryptUtf8(recipient.publicKeyArmored, input.text, {
    signingKey: senderKey,
  });
  const decrypted = await decryptUtf8(armored, {
    privateKey: recipientKey,
    verificationKeys: [sender.publicKeyArmored],
  });

  // 2. a send to the platform: directory lookup, encryption to the recipient, attachment upload.
  const subject = `runtime scenario ${input.runId}`;
  const mailer = createMailer(apiTransport({ baseUrl: input.baseUrl, token: sender.token }), {
    from: addressOf(sender, input.mailDomain),
    mailDomain: input.mailDomain,
    directory: createDirectory({ baseUrl: input.baseUrl }),
    crypto: openpgpCrypto({ signingKey: senderKey }),
  });
  const sent = await mailer.send({
    to: addressOf(recipient, input.mailDomain),
    subject,
    text: input.text,
    attachments: [
      {
        filename: "notes.txt",
        content: encoder.encode(input.attachmentText),
        contentType: "text/plain",
      },
    ],
    encrypt: true,
    idempotencyKey: `runtime-${input.runId}`,
  });

  // 3. the recipient reads it: fetchMessage (decrypted, signature checked in the directory), and
  // openMessage on the raw MIME the platform stored.
  const inbox = createAgentMailClient({
    baseUrl: input.baseUrl,
    token: recipient.token,
    mailDomain: input.mailDomain,
  });
  const item = (await inbox.listInbox({ q: subject })).items.find((m) => m.subject === subject);
  if (!item) throw new Error(`the recipient's inbox has no message "${subject}"`);
  const fetched = await inbox.fetchMessage(item.id, {
    decryptWith: recipientKey,
    verifyWith: createDirectory({ baseUrl: input.baseUrl }),
  });
  const { rawMime } = await inbox.getMessage(item.id);
  const opened = await openMessage(rawMime, {
    decryptWith: recipientKey,
    verifyWith: sender.publicKeyArmored,
  });

  return {
    runtime: {
      userAgent: globalThis.navigator?.userAgent ?? "",
      // What the runtime offers besides web APIs; workerd without nodejs_compat has neither.
      hasProcess: "process" in globalThis,
      hasBuffer: "Buffer" in globalThis,
    },
    crypto: {
      armored: armored.startsWith("-----BEGIN PGP MESSAGE-----"),
      text: decrypted.text,
      verification: decrypted.verification,
    },
    send: {
      transport: sent.transport,
      messageId: sent.messageId,
      encryptedBody: sent.encrypted.body,
      encryptedAttachments: sent.encrypted.attachments,
    },
    fetched: readingOf(fetched),
    opened: readingOf(opened),
    webhook: await webhookVerdicts(input.webhook),
  };
}

function addressOf(agent: AgentInput, mailDomain: string): string {
  return `${agent.agentId}@${mailDomain}`;
}

/** The JSON-safe part of a received message that the test checks. */
function readingOf(message: ReceivedMessage): MessageReading {
  return {
    encrypted: message.encrypted,
    bodyTextDecrypted: message.bodyTextDecrypted ?? null,
    verification: message.verification ?? null,
    bodyError: message.bodyError?.code ?? null,
    attachments: message.attachments.map((a) => ({
      filename: a.filename,
      decrypted: a.decrypted,
      verification: a.verification ?? null,
      text: a.bytes ? decoder.decode(a.bytes) : null,
      error: a.error?.code ?? null,
    })),
  };
}

/** A delivery signed by the test (node:crypto's HMAC), checked as given and altered. */
async function webhookVerdicts(webhook: WebhookInput): Promise<ScenarioReport["webhook"]> {
  const { secret, timestamp, signature, body } = webhook;
  return {
    asText: await verdict({ secret, timestamp, signature, rawBody: body }),
    asBytes: await verdict({ secret, timestamp, signature, rawBody: encoder.encode(body) }),
    tamperedBody: await verdict({ secret, timestamp, signature, rawBody: `${body} ` }),
    wrongSecret: await verdict({ secret: `${secret}x`, timestamp, signature, rawBody: body }),
    missingSignature: await verdict({ secret, timestamp, signature: null, rawBody: body }),
  };
}

async function verdict(input: Parameters<typeof verifyWebhookSignature>[0]): Promise<string> {
  try {
    await verifyWebhookSignature(input);
    return "ok";
  } catch (error) {
    if (error instanceof AgentMailError) return error.code;
    throw error;
  }
}
