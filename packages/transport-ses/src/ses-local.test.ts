// The transport against aws-ses-v2-local through the real AWS SDK clients: the requests are
// real SES wire requests (v1 Query API, v2 REST JSON) to a loopback emulator. The emulator
// re-parses raw MIME and drops custom X- headers and our Message-ID, so it is asked about
// subject, addresses, body and attachments; the raw bytes themselves are checked with Python.
import { createMailer } from "@assmbl/core";
import { generateKeyPair, openpgpCrypto } from "@assmbl/crypto";
import { header, parseWithPython } from "@assmbl/testing/python";
import { SESClient } from "@aws-sdk/client-ses";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sendPlainEmail } from "./plain.js";
import {
  DUMMY_CREDENTIALS,
  FROM,
  fixedDirectory,
  MAIL_DOMAIN,
  sampleBytes,
} from "./testing/fixtures.js";
import { type SesLocal, startSesLocal } from "./testing/ses-local.js";
import { sesTransport } from "./transport.js";

let ses: SesLocal;

beforeAll(async () => {
  ses = await startSesLocal();
});
afterAll(async () => {
  await ses?.stop();
});
beforeEach(async () => {
  await ses.clear();
});

/** Real SDK clients pointed at the emulator; the request bodies they send are recorded. */
function clients() {
  const options = {
    endpoint: ses.endpoint,
    region: "us-east-1",
    credentials: DUMMY_CREDENTIALS,
    maxAttempts: 1,
  };
  const v1 = new SESClient(options);
  const v2 = new SESv2Client(options);
  const bodies: string[] = [];
  for (const client of [v1, v2]) {
    client.middlewareStack.add(
      (next) => async (args) => {
        const body = (args.request as { body?: unknown }).body;
        bodies.push(typeof body === "string" ? body : new TextDecoder().decode(body as Uint8Array));
        return next(args);
      },
      { step: "finalizeRequest", name: "recordBody" },
    );
  }
  return { v1, v2, bodies };
}

describe("against aws-ses-v2-local", () => {
  it("v1 SendRawEmail: the emulator receives subject, addresses, body and attachment", async () => {
    const { v1, bodies } = clients();
    const pdf = sampleBytes(3000, 11);
    const mailer = createMailer(sesTransport({ client: v1 }), {
      from: FROM,
      mailDomain: MAIL_DOMAIN,
    });
    const result = await mailer.send({
      to: "other-agent@agents.example.com",
      cc: "cc-agent@agents.example.com",
      bcc: "hidden-agent@agents.example.com",
      subject: "Quarterly numbers — résumé",
      text: "The numbers are in.",
      attachments: [{ filename: "résumé.pdf", content: pdf, contentType: "application/pdf" }],
      headers: { "X-Workflow-Name": "nightly" },
    });
    const [email, ...others] = await ses.emails();
    expect(others).toEqual([]);
    expect(result.messageId).toBe(email?.messageId);
    expect(email).toMatchObject({
      from: '"Report Bot" <report-bot@agents.example.com>',
      destination: { to: ["other-agent@agents.example.com"], cc: ["cc-agent@agents.example.com"] },
      subject: "Quarterly numbers — résumé",
    });
    expect(email?.body.text?.trim()).toBe("The numbers are in.");
    expect(email?.attachments).toHaveLength(1);
    expect(email?.attachments[0]).toMatchObject({
      filename: "résumé.pdf",
      contentType: "application/pdf",
      content: Buffer.from(pdf).toString("base64"),
    });
    // The emulator reads recipients from the headers, so the Bcc address shows only in the
    // request's Destinations: it was sent to SES and named in no header.
    expect(email?.destination.bcc).toEqual([]);
    const form = new URLSearchParams(bodies[0]);
    expect(form.get("Action")).toBe("SendRawEmail");
    expect(
      [...form.entries()]
        .filter(([key]) => key.startsWith("Destinations.member."))
        .map(([, v]) => v),
    ).toEqual([
      "other-agent@agents.example.com",
      "cc-agent@agents.example.com",
      "hidden-agent@agents.example.com",
    ]);
    const raw = Buffer.from(form.get("RawMessage.Data") as string, "base64");
    const parsed = await parseWithPython(raw);
    expect(parsed.allHeaderNames).not.toContain("bcc");
    expect(header(parsed, "X-Workflow-Name")).toBe("nightly");
  });

  it("v1 SendEmail through sendPlainEmail", async () => {
    const { v1 } = clients();
    const { messageId } = await sendPlainEmail(v1, {
      from: "Ödön Bot <report-bot@agents.example.com>",
      to: ["ops@example.com"],
      cc: "cc@example.com",
      bcc: "audit@example.com",
      replyTo: "replies@example.com",
      subject: "Nightly report ✓",
      text: "All green.",
      html: "<p>All green.</p>",
    });
    const [email] = await ses.emails();
    expect(email).toMatchObject({
      messageId,
      // One B word: names needing encoding are never split (Python keeps the space between words).
      from: "=?UTF-8?B?w5Zkw7ZuIEJvdA==?= <report-bot@agents.example.com>",
      replyTo: ["replies@example.com"],
      destination: { to: ["ops@example.com"], cc: ["cc@example.com"], bcc: ["audit@example.com"] },
      subject: "Nightly report ✓",
      body: { text: "All green.", html: "<p>All green.</p>" },
    });
  });

  it("v2 SendEmail with raw content, encrypted body", async () => {
    const { v2, bodies } = clients();
    const recipient = await generateKeyPair({
      name: "Other",
      email: "other-agent@agents.example.com",
    });
    const mailer = createMailer(sesTransport({ client: v2 }), {
      from: FROM,
      mailDomain: MAIL_DOMAIN,
      crypto: openpgpCrypto(),
      directory: fixedDirectory(recipient.publicKeyArmored),
    });
    const result = await mailer.send({
      to: "other-agent@agents.example.com",
      bcc: "other-agent-archive@agents.example.com",
      subject: "Encrypted task",
      text: "secret numbers",
      encrypt: true,
    });
    const [email] = await ses.emails();
    expect(result.messageId).toBe(email?.messageId);
    expect(email).toMatchObject({
      from: '"Report Bot" <report-bot@agents.example.com>',
      destination: { to: ["other-agent@agents.example.com"] },
      subject: "Encrypted task",
    });
    expect(email?.body.text).toMatch(
      /^-----BEGIN PGP MESSAGE-----[\s\S]+-----END PGP MESSAGE-----\s*$/,
    );
    expect(email?.body.text).not.toContain("secret numbers");
    // The Bcc recipient of an encrypted message gets its own copy, so the primary has no Bcc.
    const request = JSON.parse(bodies[0] as string);
    expect(request.Destination.BccAddresses).toEqual([]);
    expect(JSON.parse(bodies[1] as string).Destination).toEqual({
      ToAddresses: ["other-agent-archive@agents.example.com"],
      CcAddresses: [],
      BccAddresses: [],
    });
    const parsed = await parseWithPython(Buffer.from(request.Content.Raw.Data, "base64"));
    expect(header(parsed, "X-AgentMail-Encrypted")).toBe("body");
    expect(parsed.allHeaderNames).not.toContain("bcc");
  });
});
