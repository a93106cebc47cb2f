// How the reader uses X-AgentMail-Attachments: manifests Python's email wrote (folded into RFC
// 2047 encoded words) restore names and types; a manifest that cannot be read is reported as
// `manifestError` while the attachments are still read by their content types. Through
// openMessage on raw bytes and fetchMessage over the dev server (raw MIME sent to its SES
// endpoint, which keeps it verbatim).
import { encodeManifest, MANIFEST_HEADER_MAX_LENGTH } from "@assmbl/core";
import type { ReceivedMessage } from "@assmbl/mime";
import { openMessage } from "@assmbl/mime";
import { handMime } from "@assmbl/testing/hand-mime";
import { pythonSdk } from "@assmbl/testing/python";
import { type SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentMailClient } from "./client.js";
import { sampleBytes } from "./testing/fixtures.js";
import {
  devSesClient,
  encryptForReceiver,
  findBySubject,
  type Platform,
  RECEIVER,
  SENDER,
  startPlatform,
} from "./testing/platform.js";
import { scriptedServer } from "./testing/scripted-server.js";

let platform: Platform;
let ses: SESClient;
let cipher: string;
const pdf = sampleBytes(3_000, 5);

beforeAll(async () => {
  platform = await startPlatform({ attachmentProcessingMs: 0 });
  ses = devSesClient(platform.server);
  cipher = await encryptForReceiver(platform, pdf);
});
afterAll(async () => {
  ses?.destroy();
  await platform?.stop();
});

/** A message with one encrypted attachment and one plain one, and the given manifest line. */
function withManifest(subject: string, manifest: string | undefined): string {
  return handMime({
    headers: [
      `From: Report Bot <${SENDER}>`,
      `To: ${RECEIVER}`,
      `Subject: ${subject}`,
      `Message-ID: <${subject.replace(/\W+/g, "-")}@agents.example.com>`,
      ...(manifest === undefined ? [] : [`X-AgentMail-Attachments: ${manifest}`]),
    ],
    text: "hi",
    attachments: [
      { filename: "report.pdf.asc", contentType: "application/pgp-encrypted", bytes: cipher },
      { filename: "notes.txt", contentType: "text/plain", bytes: "notes\n" },
    ],
  });
}

/** What is read when the manifest is not used: encrypted by type, `.asc` stripped. */
const WITHOUT_MANIFEST = [
  ["report.pdf", "application/octet-stream", true],
  ["notes.txt", "text/plain", false],
];
const attachmentsOf = (message: ReceivedMessage) =>
  message.attachments.map((a) => [a.filename, a.contentType, a.decrypted]);

const UNREADABLE: [label: string, manifest: string, message: RegExp][] = [
  ["not JSON", "not json", /^manifest header is not valid JSON/],
  [
    "encoded words that decode to broken JSON",
    "=?utf-8?q?=5B=7B=22index=22:?=",
    /^manifest header is not valid JSON/,
  ],
  [
    "a row without content_type",
    '[{"index":0,"filename":"report.pdf.asc","encrypted":false}]',
    /^manifest: 0\.content_type is invalid/,
  ],
  [
    "encrypted without encryption",
    '[{"index":0,"filename":"a.asc","content_type":"application/pgp-encrypted","encrypted":true}]',
    /^manifest: 0\.encryption is invalid \(encryption must be present exactly when encrypted is true\)$/,
  ],
  [
    "longer than the cap",
    `[${" ".repeat(MANIFEST_HEADER_MAX_LENGTH)}]`,
    // The value as received: the space after the colon counts too.
    new RegExp(
      `^manifest header is ${MANIFEST_HEADER_MAX_LENGTH + 3} characters long; at most ${MANIFEST_HEADER_MAX_LENGTH} are read$`,
    ),
  ],
];

describe("an X-AgentMail-Attachments header that cannot be read", () => {
  it.each(UNREADABLE)(
    "%s: openMessage reports manifestError (invalid_manifest) and reads the attachments by type",
    async (label, manifest, message) => {
      const opened = await openMessage(withManifest(label, manifest), {
        decryptWith: platform.receiverKey,
      });
      expect(opened.manifestError?.code).toBe("invalid_manifest");
      expect(opened.manifestError?.message).toMatch(message);
      expect(attachmentsOf(opened)).toEqual(WITHOUT_MANIFEST);
      expect(opened.attachments[0]?.bytes).toEqual(pdf);
      expect(opened.bodyText).toBe("hi\n");
    },
  );

  it("fetchMessage reports it the same way", async () => {
    const subject = "Unreadable manifest over the platform";
    await ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: new TextEncoder().encode(withManifest(subject, "[{not json")) },
      }),
    );
    const fetched = await platform.inbox.fetchMessage(
      await findBySubject(platform.inbox, subject),
      { decryptWith: platform.receiverKey },
    );
    expect(fetched.manifestError?.code).toBe("invalid_manifest");
    expect(fetched.manifestError?.message).toMatch(/^manifest header is not valid JSON/);
    expect(attachmentsOf(fetched)).toEqual(WITHOUT_MANIFEST);
    expect(fetched.attachments.map((a) => a.status)).toEqual(["ready", "ready"]);
  });

  it("is not reported when the header is absent or valid", async () => {
    const valid = encodeManifest([
      {
        index: 0,
        filename: "report.pdf.asc",
        content_type: "application/pgp-encrypted",
        encrypted: true,
        encryption: { algorithm: "openpgp", format: "armored" },
        original_filename: "Q3 r\u00e9sum\u00e9.pdf",
        original_content_type: "application/pdf",
      },
      { index: 1, filename: "notes.txt", content_type: "text/plain", encrypted: false },
    ]);
    const absent = await openMessage(withManifest("absent", undefined), {
      decryptWith: platform.receiverKey,
    });
    const present = await openMessage(withManifest("valid", valid), {
      decryptWith: platform.receiverKey,
    });
    expect([absent.manifestError, present.manifestError]).toEqual([undefined, undefined]);
    expect("manifestError" in absent).toBe(false);
    expect(attachmentsOf(absent)).toEqual(WITHOUT_MANIFEST);
    expect(attachmentsOf(present)).toEqual([
      ["Q3 r\u00e9sum\u00e9.pdf", "application/pdf", true],
      ["notes.txt", "text/plain", false],
    ]);
  });
});

describe("a manifest Python's email folded into encoded words", () => {
  it("restores names and types through openMessage and fetchMessage; headers show the decoded JSON", async () => {
    const original =
      "Quartalsbericht Gr\u00f6\u00dfe \u4e2d\u6587 \u{1f600} 2026 (final, signed).pdf";
    const subject = "Python-written manifest";
    const raw = await pythonSdk.writeMessage({
      from: `Report Bot <${SENDER}>`,
      to: RECEIVER,
      subject,
      body: "see attachments",
      attachments: [
        {
          filename: `${original}.asc`,
          contentType: "application/pgp-encrypted",
          data: new TextEncoder().encode(cipher),
          manifestRow: {
            encrypted: true,
            encryption: { algorithm: "openpgp", format: "armored" },
            original_filename: original,
            original_content_type: "application/pdf",
          },
        },
        {
          filename: "notes.txt",
          contentType: "text/markdown",
          data: new TextEncoder().encode("# notes\n"),
          manifestRow: { encrypted: false },
        },
      ],
    });
    const field = /^X-AgentMail-Attachments:(.*(?:\r?\n[ \t].*)*)/m.exec(
      new TextDecoder().decode(raw),
    );
    expect(field?.[1]).toMatch(/=\?utf-8\?[bq]\?/);
    await ses.send(new SendRawEmailCommand({ RawMessage: { Data: raw } }));
    const opened = await openMessage(raw, { decryptWith: platform.receiverKey });
    const fetched = await platform.inbox.fetchMessage(
      await findBySubject(platform.inbox, subject),
      { decryptWith: platform.receiverKey },
    );
    for (const message of [opened, fetched]) {
      expect(message.manifestError).toBeUndefined();
      expect(attachmentsOf(message)).toEqual([
        [original, "application/pdf", true],
        ["notes.txt", "text/markdown", false],
      ]);
      expect(message.attachments[0]?.bytes).toEqual(pdf);
      expect(JSON.parse(message.headers["x-agentmail-attachments"] ?? "")).toMatchObject([
        { index: 0, original_filename: original },
        { index: 1, filename: "notes.txt" },
      ]);
    }
  });
});

/** Manifest rows for the two parts of `withManifest` (both used), plus rows at `extra` indexes. */
function rowsWithExtra(extra: number[]): string {
  return encodeManifest([
    {
      index: 0,
      filename: "report.pdf.asc",
      content_type: "application/pgp-encrypted",
      encrypted: true,
      encryption: { algorithm: "openpgp", format: "armored" },
      original_filename: "Q3.pdf",
      original_content_type: "application/pdf",
    },
    { index: 1, filename: "notes.txt", content_type: "text/markdown", encrypted: false },
    ...extra.map((index) => ({
      index,
      filename: `ghost-${index}.txt`,
      content_type: "text/plain",
      encrypted: false,
    })),
  ]);
}

/** The two parts read with their rows: the rows that match are used. */
const WITH_MANIFEST = [
  ["Q3.pdf", "application/pdf", true],
  ["notes.txt", "text/markdown", false],
];

describe("manifest rows that name no attachment", () => {
  it("openMessage reports them (invalid_manifest, naming the indexes) and still uses the rows that match", async () => {
    const opened = await openMessage(withManifest("Orphan rows", rowsWithExtra([3, 7])), {
      decryptWith: platform.receiverKey,
    });
    expect(opened.manifestError?.code).toBe("invalid_manifest");
    expect(opened.manifestError?.message).toBe(
      "manifest: no attachment has index 3, 7 (the message has 2 attachment parts); those rows are ignored",
    );
    expect(attachmentsOf(opened)).toEqual(WITH_MANIFEST);
    expect(opened.attachments).toHaveLength(2);
    expect(opened.attachments[0]?.bytes).toEqual(pdf);
  });

  it("names at most five indexes, and one row in the singular", async () => {
    const many = await openMessage(
      withManifest("Many orphans", rowsWithExtra([2, 3, 4, 5, 6, 7, 8])),
    );
    expect(many.manifestError?.message).toBe(
      "manifest: no attachment has index 2, 3, 4, 5, 6 and 2 more (the message has 2 attachment parts); those rows are ignored",
    );
    const one = await openMessage(withManifest("One orphan", rowsWithExtra([9])));
    expect(one.manifestError?.message).toBe(
      "manifest: no attachment has index 9 (the message has 2 attachment parts); that row is ignored",
    );
  });

  it("fetchMessage reports them the same way over the platform", async () => {
    const subject = "Orphan rows over the platform";
    await ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: new TextEncoder().encode(withManifest(subject, rowsWithExtra([3]))) },
      }),
    );
    const fetched = await platform.inbox.fetchMessage(
      await findBySubject(platform.inbox, subject),
      { decryptWith: platform.receiverKey },
    );
    expect(fetched.manifestError?.code).toBe("invalid_manifest");
    expect(fetched.manifestError?.message).toBe(
      "manifest: no attachment has index 3 (the message has 2 attachment parts, the platform lists 2); that row is ignored",
    );
    expect(attachmentsOf(fetched)).toEqual(WITH_MANIFEST);
  });

  it("fetchMessage: a row for an attachment only the platform lists is not an orphan", async () => {
    const raw = withManifest("Platform-only attachment", rowsWithExtra([2, 3]));
    const attachment = (index: number, status: string, name: string, type: string) => ({
      index,
      status,
      file_name: name,
      content_type: type,
      size: 10,
    });
    const server = await scriptedServer([
      {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          MessageID: "m-1",
          Sender: SENDER,
          SenderVerified: true,
          Subject: "Platform-only attachment",
          ReceivedAt: "2026-11-29T00:00:00Z",
          raw_mime: raw,
          attachments: [
            attachment(0, "ready", "report.pdf.asc", "application/pgp-encrypted"),
            attachment(1, "ready", "notes.txt", "text/plain"),
            attachment(2, "failed", "big.bin", "application/octet-stream"),
          ],
        }),
      },
    ]);
    try {
      const client = createAgentMailClient({ baseUrl: server.url, token: "t" });
      const fetched = await client.fetchMessage("m-1", {
        decryptWith: platform.receiverKey,
        maxPollMs: 0,
      });
      expect(fetched.manifestError?.message).toBe(
        "manifest: no attachment has index 3 (the message has 2 attachment parts, the platform lists 3); that row is ignored",
      );
      expect(fetched.attachments.map((a) => [a.index, a.filename, a.status])).toEqual([
        [0, "Q3.pdf", "ready"],
        [1, "notes.txt", "ready"],
        [2, "ghost-2.txt", "failed"],
      ]);
    } finally {
      await server.stop();
    }
  });
});
