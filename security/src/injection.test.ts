// The header-injection corpus (issue 13). Every value goes into every header value this SDK
// writes: Subject, the From and To display names, the attachment filename (MIME part and the
// manifest's `filename`), the manifest's `original_filename`, a custom header, the correlation id
// and the idempotency key. Each message is sent through the real dev server over both
// transports (sesTransport via its SES endpoint, apiTransport via `/send`), then read back from
// the bytes the server kept by Python's `email` (policy.default, /usr/bin/python3), by
// `openMessage`, and from the receiver's inbox by `fetchMessage`.
//
// | case | what happens | why |
// | --- | --- | --- |
// | encoded-word look-alike (`=?cs?b|q?...?=`: b and q; utf-8, iso-8859-1, unknown charsets; payloads decoding to CRLF, NUL, ESC, C1, U+2028, bidi overrides, `../../.ssh/authorized_keys`, `..\..\`, `/etc/passwd`, `C:\`; adjacent words; words a folder would split; RFC 2231 `filename*=` text; the literal text of header lines such as `Bcc: x@y`) | sent; Python and openMessage/fetchMessage read back exactly the text given, in every field | the composer RFC 2047-encodes any value holding `=?` (names as one encoded word; filenames by RFC 2231; the manifest writes `=\u003f`), so no reader decodes the look-alike itself |
// | raw C0 controls (CR, LF, CRLF, NUL, TAB, ESC), DEL, C1 (U+0085 NEL, U+009B CSI) | refused at send, `header_injection`, nothing reaches the server | spec §2: no control character in any header |
// | raw U+2028, U+2029, U+202E (text that is not a control) | sent; Python reads the literal text; openMessage/fetchMessage return U+FFFD in their place | the reader's sanitization rule: controls, U+2028/2029 and bidi embeddings/overrides/isolates become U+FFFD in every header, name and filename |
// | a filename with `/` or `\` (`../../.ssh/authorized_keys`, `..\..\boot.ini`, `/etc/passwd`) | refused at send, `invalid_attachment` | a file name is never a path; readers also cut a name as sent to its last segment |
// | an address holding `=?` | refused at send, `invalid_address` | an addr-spec cannot be encoded and Python decodes encoded words inside one |
// | a long attachment name (ASCII with spaces, non-ASCII, with `=?`) | sent; Python's compat32 `get_filename()` (which does not unfold) and policy.default read it back exactly | the composer folds MIME parameters only between parameters, never inside a quoted string; long names go out as RFC 2231 sections, as the Python SDK writes them |
// | a media type with `=?` in a parameter, or with a `name`/`filename` parameter | refused at send, `invalid_attachment` | Python decodes encoded words in parameters; the composer writes the name from the filename, so a caller's would be replaced on the wire |
// | `sendPlainEmail` with an address or subject holding `=?` | refused before any request (`invalid_address`, `invalid_header`) | the composer's look-alike checks, shared; SES writes these fields itself |
// | a lone surrogate in any header value | refused at send, `invalid_message` | it has no UTF-8 encoding |
// | a name as sent with `:` (`C:evil.txt`, `a:b`), a best-fit slash (U+2215, U+FF0F, U+29F8) or a Windows device name (`nul.txt`) | sent; openMessage returns `:`/look-alikes as `_` and `_nul.txt` | a name must stay one file in the download directory on Windows too |
// | leading, trailing or repeated spaces in Subject, a custom header or a printable display name | sent; Python reads them back exactly | such values are written as encoded words (names: a quoted string) |
//
// Also counted: Python header-access exceptions over the whole corpus (must be 0).
import { spawn } from "node:child_process";
import { AgentMailError, createMailer, type MailMessage, type MailTransport } from "@assmbl/core";
import type { DevServer } from "@assmbl/dev-server";
import { startTestPlatform, type TestPlatform } from "@assmbl/testing/platform";
import type { ReceivedMessage } from "@assmbl/transport-api";
import { apiTransport, createAgentMailClient, openMessage } from "@assmbl/transport-api";
import { sendPlainEmail, sesTransport } from "@assmbl/transport-ses";
import type { SESClient } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAIL_DOMAIN = "agents.example.com";
const SENDER_ID = "corpus-sender";
const RECEIVER_ID = "corpus-receiver";
const SENDER = `${SENDER_ID}@${MAIL_DOMAIN}`;
const RECEIVER = `${RECEIVER_ID}@${MAIL_DOMAIN}`;
const PYTHON = "/usr/bin/python3";

const b64 = (text: string, charset = "utf-8") =>
  `=?${charset}?b?${Buffer.from(text, charset === "utf-8" ? "utf8" : "latin1").toString("base64")}?=`;
const q = (text: string) =>
  `=?utf-8?q?${[...Buffer.from(text, "utf8")].map((byte) => `=${byte.toString(16).toUpperCase().padStart(2, "0")}`).join("")}?=`;

/** Encoded-word look-alikes: each must come back as exactly this text. */
const LOOKALIKES: string[] = [
  "=?utf-8?b?SW52b2ljZQ0KQmNjOiBldmlsQGV2aWwuZXhhbXBsZQ==?=",
  b64("Invoice\r\nBcc: evil@evil.example"),
  q("Invoice\r\nBcc: evil@evil.example"),
  b64("a\u0000b"),
  q("nul\u0000here"),
  b64("esc\u001b[31mred"),
  q("nel\u0085csi\u009b"),
  b64("line\u2028sep\u2029para"),
  b64("invoice\u202Efdp.exe"),
  q("\u2066isolate\u2069"),
  b64("../../.ssh/authorized_keys"),
  q("../../.ssh/authorized_keys"),
  b64("..\\..\\windows\\win.ini"),
  q("/etc/passwd"),
  b64("C:\\Windows\\System32\\x.dll"),
  b64("caf\u00e9\r\nX: y", "iso-8859-1"),
  "=?iso-8859-1?q?caf=E9=0D=0ABcc:_x@y?=",
  "=?ISO-8859-1?B?Y2Fm6Q==?= =?UTF-8?Q?adjacent?= =?utf-8?b?d29yZHM=?=",
  `subject ${q("A")} ${q("B")} tail`,
  `${q("x".repeat(20))} ${q("y".repeat(20))} ${q("z".repeat(20))}`,
  "=?utf-8*en?q?with_language?=",
  "=?bogus?q?unknown=0D=0Acharset?=",
  "x=?utf-8?q?inside_a_word?=y",
  "utf-8''..%2F..%2F.ssh%2Fauthorized_keys",
  "filename*=utf-8''%2E%2E%2F%2E%2E%2Fevil",
  "filename*0*=utf-8''..%2F; filename*1=evil",
  b64("Bcc: evil@evil.example"),
  "Bcc: evil@evil.example",
  "Subject: x",
  "Content-Type: text/html",
  "X-AgentMail-Encrypted: body",
  "caf\u00e9 =?utf-8?q?with_non-ASCII_around?= \u4e2d",
];

/** Raw characters that cannot be in any header: refused at send with this code. */
const CONTROLS: [string, string][] = [
  ["CR", "a\rb"],
  ["LF", "a\nb"],
  ["CRLF + Bcc", "a\r\nBcc: evil@evil.example"],
  ["NUL", "a\u0000b"],
  ["TAB", "a\tb"],
  ["ESC", "a\u001bb"],
  ["DEL", "a\u007fb"],
  ["NEL (C1)", "a\u0085b"],
  ["CSI (C1)", "a\u009bb"],
];

/** Not controls: sent; Python reads them literally; our readers return U+FFFD instead. */
const SANITIZED: [string, string][] = [
  ["U+2028", "line\u2028sep"],
  ["U+2029", "para\u2029sep"],
  ["U+202E", "invoice\u202Efdp.exe"],
];

const PATHS = ["../../.ssh/authorized_keys", "..\\..\\boot.ini", "/etc/passwd", "a/b", ".."];

type Kind = "ses" | "api";
const KINDS: Kind[] = ["ses", "api"];

let server: DevServer;
let senderToken: string;
let receiverToken: string;
let ses: SESClient;
let exceptionsCounted = 0;
const filenameMismatches: string[] = [];
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({
    mailDomain: MAIL_DOMAIN,
    agents: [SENDER_ID, RECEIVER_ID],
    attachmentProcessingMs: 0,
  });
  server = platform.server;
  senderToken = platform.agent(SENDER_ID).token;
  receiverToken = platform.agent(RECEIVER_ID).token;
  // Signed with the sender's own SES credentials; the SDK's retries off.
  ses = platform.sesClient(SENDER_ID);
});

afterAll(async () => {
  await platform?.close();
});

function transportOf(kind: Kind): MailTransport {
  return kind === "ses"
    ? sesTransport({ client: ses })
    : apiTransport({ baseUrl: server.url, token: senderToken });
}

function mailerWith(kind: Kind, fromName: string) {
  return createMailer(transportOf(kind), {
    from: `${quoteName(fromName)} <${SENDER}>`,
    mailDomain: MAIL_DOMAIN,
  });
}

// A display name as an RFC 5322 quoted string, so the name given is exactly the name parsed.
function quoteName(name: string): string {
  return `"${name.replace(/["\\]/g, "\\$&")}"`;
}

const fileNameOk = (value: string) => !/[/\\]/.test(value) && !/^[. ]*$/.test(value);

function messageWith(value: string, tag: string): MailMessage {
  return {
    to: `${quoteName(value)} <${RECEIVER}>`,
    subject: value,
    text: `corpus ${tag}`,
    headers: { "X-Corpus-Value": value },
    correlationId: value,
    idempotencyKey: `${tag} ${value}`.slice(0, 256),
    attachments: [
      {
        filename: fileNameOk(value) ? value : `file-${tag}`,
        content: "attachment bytes",
        originalFilename: fileNameOk(value) ? value : `original-${tag}`,
      },
    ],
  };
}

/** What Python's email (policy.default) reads from each raw message, header access counted. */
interface PythonRead {
  exceptions: string[];
  subject: string | null;
  from: string | null;
  fromNames: string[];
  toNames: string[];
  headers: Record<string, string>;
  filenames: (string | null)[];
  manifest: { filename?: string; original_filename?: string }[] | null;
}

const PY_READER = `
import base64, json, sys
from email import message_from_bytes, policy
out = []
for raw in json.load(sys.stdin):
    msg = message_from_bytes(base64.b64decode(raw), policy=policy.default)
    read = {"exceptions": [], "headers": {}, "filenames": [], "manifest": None,
            "subject": None, "from": None, "fromNames": [], "toNames": []}
    def access(what, fn):
        try:
            return fn()
        except Exception as error:
            read["exceptions"].append(f"{what}: {type(error).__name__}: {error}")
            return None
    for name in msg.keys():
        value = access(name, lambda: str(msg[name]))
        if value is not None:
            read["headers"][name] = value
    read["subject"] = access("Subject", lambda: str(msg["Subject"]))
    read["from"] = access("From", lambda: str(msg["From"]))
    read["fromNames"] = access("From.addresses", lambda: [a.display_name for a in msg["From"].addresses]) or []
    read["toNames"] = access("To.addresses", lambda: [a.display_name for a in msg["To"].addresses]) or []
    for part in msg.iter_attachments():
        read["filenames"].append(access("filename", part.get_filename))
    manifest = access("X-AgentMail-Attachments", lambda: str(msg["X-AgentMail-Attachments"]))
    if manifest is not None:
        read["manifest"] = access("manifest json", lambda: json.loads(manifest))
    out.append(read)
json.dump(out, sys.stdout)
`;

function readWithPython(raws: readonly Uint8Array[]): Promise<PythonRead[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-c", PY_READER], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(JSON.parse(Buffer.concat(out).toString("utf8")) as PythonRead[]);
      else reject(new Error(`${PYTHON} exited ${code}: ${Buffer.concat(err).toString("utf8")}`));
    });
    child.stdin.on("error", () => {});
    child.stdin.end(JSON.stringify(raws.map((raw) => Buffer.from(raw).toString("base64"))));
  });
}

/** Sends one message per value over `kind`; returns the raw bytes the dev server kept, in order. */
async function sendAll(
  kind: Kind,
  values: readonly string[],
  label: string,
): Promise<Uint8Array[]> {
  const raws: Uint8Array[] = [];
  for (const [i, value] of values.entries()) {
    const outbox = kind === "ses" ? server.ses : server.sent;
    const before = outbox.messages().length;
    await mailerWith(kind, value).send(messageWith(value, `${label}-${kind}-${i}`));
    const kept = outbox.messages();
    expect(kept).toHaveLength(before + 1);
    raws.push((kept[kept.length - 1] as { raw: Uint8Array }).raw);
  }
  return raws;
}

/** The receiver's inbox, fetched, by the body tag each corpus message carries. */
async function inboxByTag(): Promise<Map<string, ReceivedMessage>> {
  const inbox = createAgentMailClient({
    baseUrl: server.url,
    token: receiverToken,
    mailDomain: MAIL_DOMAIN,
  });
  const byTag = new Map<string, ReceivedMessage>();
  for await (const item of inbox.iterInbox({ includeArchived: true })) {
    const message = await inbox.fetchMessage(item.id);
    byTag.set(message.bodyText.trim(), message);
  }
  return byTag;
}

function expectReadBack(read: ReceivedMessage, value: string, shown: string): void {
  expect(read.subject).toBe(shown);
  expect(read.headers["x-corpus-value"]).toBe(shown);
  expect(read.headers["x-agentmail-correlation-id"]).toBe(shown);
  expect(read.headers["x-agentmail-idempotency-key"]?.endsWith(` ${shown}`)).toBe(true);
  const manifest = JSON.parse(read.headers["x-agentmail-attachments"] ?? "[]");
  if (fileNameOk(value)) {
    expect(manifest[0]?.original_filename).toBe(value);
    expect(manifest[0]?.filename).toBe(value);
    // The part's own name is checked in "attachment names as sent" below (see its comment). A
    // name as sent comes back with ":" as "_" (a drive or an NTFS stream on Windows).
    if (read.attachments[0]?.filename !== shown.replace(/:/g, "_")) {
      filenameMismatches.push(
        `${JSON.stringify(shown)} read as ${JSON.stringify(read.attachments[0]?.filename)}`,
      );
    }
  }
  // Whatever was sent, no name as sent is a path or holds a control character.
  expect(read.attachments[0]?.filename).not.toMatch(/[/\\]/);
  expect(read.attachments[0]?.filename).not.toMatch(CONTROL);
  for (const text of [read.subject, ...Object.values(read.headers)])
    expect(text).not.toMatch(CONTROL);
}

describe.each(KINDS)("the injection corpus over %s", (kind) => {
  it(`every encoded-word look-alike (${LOOKALIKES.length}) reads back as the literal text, in Python, openMessage and fetchMessage`, async () => {
    const raws = await sendAll(kind, LOOKALIKES, "lookalike");
    const python = await readWithPython(raws);
    const fetched = await inboxByTag();
    for (const [i, value] of LOOKALIKES.entries()) {
      const py = python[i] as PythonRead;
      exceptionsCounted += py.exceptions.length;
      expect(py.exceptions, value).toEqual([]);
      expect(py.subject, value).toBe(value);
      expect(py.headers["X-Corpus-Value"], value).toBe(value);
      expect(py.headers["X-AgentMail-Correlation-Id"], value).toBe(value);
      expect(py.headers["X-AgentMail-Idempotency-Key"], value).toBe(
        `lookalike-${kind}-${i} ${value}`,
      );
      // /send has no From name: the platform writes From from the agent's address.
      if (kind === "ses") expect(py.fromNames, value).toEqual([value]);
      expect(py.toNames, value).toEqual([value]);
      if (fileNameOk(value)) {
        expect(py.manifest?.[0]?.original_filename, value).toBe(value);
        expect(py.filenames, value).toEqual([value]);
        expect(py.manifest?.[0]?.filename, value).toBe(value);
      }
      const opened = await openMessage(raws[i] as Uint8Array);
      expectReadBack(opened, value, value);
      if (kind === "ses") {
        // An unstructured reading of From: the name as written, quoted when it has specials.
        expect([
          `${value} <${SENDER}>`,
          `"${value.replace(/["\\]/g, "\\$&")}" <${SENDER}>`,
        ]).toContain(opened.headers.from);
      }
      const viaInbox = fetched.get(`corpus lookalike-${kind}-${i}`);
      expect(viaInbox, value).toBeDefined();
      expectReadBack(viaInbox as ReceivedMessage, value, value);
    }
  });

  it("U+2028, U+2029 and U+202E are sent; Python reads them literally, our readers as U+FFFD", async () => {
    const values = SANITIZED.map(([, value]) => value);
    const raws = await sendAll(kind, values, "sanitized");
    const python = await readWithPython(raws);
    for (const [i, value] of values.entries()) {
      const py = python[i] as PythonRead;
      exceptionsCounted += py.exceptions.length;
      expect(py.exceptions).toEqual([]);
      expect(py.subject).toBe(value);
      expect(py.filenames).toEqual([value]);
      const shown = value.replace(/[\u2028\u2029\u202e]/g, "\ufffd");
      const opened = await openMessage(raws[i] as Uint8Array);
      expectReadBack(opened, value, shown);
    }
  });

  it.each(CONTROLS)(
    "a raw %s in any header value is refused at send (header_injection)",
    async (_, value) => {
      const outbox = kind === "ses" ? server.ses : server.sent;
      const before = outbox.messages().length;
      const fields: [string, () => Promise<unknown>][] = [
        [
          "subject",
          () => mailerWith(kind, "n").send({ ...messageWith("ok", "c"), subject: value }),
        ],
        ["from name", () => Promise.resolve().then(() => mailerWith(kind, value))],
        [
          "to name",
          () =>
            mailerWith(kind, "n").send({
              ...messageWith("ok", "c"),
              to: `${quoteName(value)} <${RECEIVER}>`,
            }),
        ],
        [
          "custom header",
          () =>
            mailerWith(kind, "n").send({
              ...messageWith("ok", "c"),
              headers: { "X-Corpus-Value": value },
            }),
        ],
        [
          "correlation id",
          () => mailerWith(kind, "n").send({ ...messageWith("ok", "c"), correlationId: value }),
        ],
        [
          "idempotency key",
          () => mailerWith(kind, "n").send({ ...messageWith("ok", "c"), idempotencyKey: value }),
        ],
        [
          "filename",
          () =>
            mailerWith(kind, "n").send({
              ...messageWith("ok", "c"),
              attachments: [{ filename: value, content: "x" }],
            }),
        ],
        [
          "original filename",
          () =>
            mailerWith(kind, "n").send({
              ...messageWith("ok", "c"),
              attachments: [{ filename: "f", content: "x", originalFilename: value }],
            }),
        ],
      ];
      for (const [field, send] of fields) {
        const error = await send().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        // The From name is checked where the mailer is made or where it sends: either way, refused.
        const refused =
          field === "from name" && error === undefined
            ? await mailerWith(kind, value)
                .send(messageWith("ok", "c"))
                .catch((caught: unknown) => caught)
            : error;
        expect(AgentMailError.is(refused), field).toBe(true);
        expect((refused as AgentMailError).code, field).toMatch(
          /^(header_injection|invalid_address|invalid_message)$/,
        );
      }
      expect(outbox.messages()).toHaveLength(before);
    },
  );

  it.each(PATHS)(
    "a filename that is a path (%s) is refused at send (invalid_attachment)",
    async (path) => {
      const outbox = kind === "ses" ? server.ses : server.sent;
      const before = outbox.messages().length;
      const error = await mailerWith(kind, "n")
        .send({ ...messageWith("ok", "p"), attachments: [{ filename: path, content: "x" }] })
        .catch((caught: unknown) => caught);
      expect((error as AgentMailError).code).toBe("invalid_attachment");
      expect(outbox.messages()).toHaveLength(before);
    },
  );

  it("an address holding =? is refused at send (invalid_address)", async () => {
    const error = await mailerWith(kind, "n")
      .send({ ...messageWith("ok", "a"), to: `=?utf-8?q?x?=@${MAIL_DOMAIN}` })
      .catch((caught: unknown) => caught);
    expect((error as AgentMailError).code).toBe("invalid_address");
  });
});

describe.each(KINDS)("header writing and name reading over %s (round 2)", (kind) => {
  const LONG = [
    `quarterly report  ${"A".repeat(60)}.pdf`,
    `r\u00e9sum\u00e9 ${"\u00e9".repeat(50)}.pdf`,
    `=?utf-8?q?looks=20encoded?= ${"c".repeat(70)}.txt`,
  ];

  it("long attachment names read back exactly in compat32 and policy.default", async () => {
    const raws: Uint8Array[] = [];
    for (const [i, name] of LONG.entries()) {
      const outbox = kind === "ses" ? server.ses : server.sent;
      await mailerWith(kind, "n").send({
        ...messageWith("ok", `long-${kind}-${i}`),
        attachments: [{ filename: name, content: "x" }],
      });
      const kept = outbox.messages();
      raws.push((kept[kept.length - 1] as { raw: Uint8Array }).raw);
    }
    const script = [
      "import base64, json, sys",
      "from email import message_from_bytes, policy",
      "out = []",
      "for raw in json.load(sys.stdin):",
      "    b = base64.b64decode(raw)",
      "    c = [p.get_filename() for p in message_from_bytes(b).walk() if p.get_filename()]",
      "    d = [p.get_filename() for p in message_from_bytes(b, policy=policy.default).iter_attachments()]",
      "    out.append([c, d])",
      "json.dump(out, sys.stdout)",
    ].join("\n");
    const read = await new Promise<[string[], string[]][]>((resolve, reject) => {
      const child = spawn(PYTHON, ["-c", script], { stdio: ["pipe", "pipe", "inherit"] });
      const out: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.on("error", reject);
      child.on("close", () => resolve(JSON.parse(Buffer.concat(out).toString("utf8"))));
      child.stdin.end(JSON.stringify(raws.map((raw) => Buffer.from(raw).toString("base64"))));
    });
    LONG.forEach((name, i) => {
      expect(read[i], name).toEqual([[name], [name]]);
    });
  });

  it.each([
    'text/plain; charset="=?utf-8?q?EVIL=0D=0A?="',
    'text/plain; name="evil.exe"',
    "text/plain; filename*=utf-8''evil.exe",
  ])("a media type %s is refused at send (invalid_attachment)", async (contentType) => {
    const outbox = kind === "ses" ? server.ses : server.sent;
    const before = outbox.messages().length;
    const error = await mailerWith(kind, "n")
      .send({
        ...messageWith("ok", "t"),
        attachments: [{ filename: "a.txt", content: "x", contentType }],
      })
      .catch((caught: unknown) => caught);
    expect((error as AgentMailError).code).toBe("invalid_attachment");
    expect(outbox.messages()).toHaveLength(before);
  });

  it("a lone surrogate in a header value is refused at send", async () => {
    for (const change of [
      { subject: "a\ud800" },
      { headers: { "X-Corpus-Value": "\udc00" } },
      { attachments: [{ filename: "a\ud800.txt", content: "x" }] },
    ]) {
      const error = await mailerWith(kind, "n")
        .send({ ...messageWith("ok", "s"), ...change })
        .catch((caught: unknown) => caught);
      expect((error as AgentMailError).code).toBe("invalid_message");
    }
  });

  it("names as sent are safe on Windows; values with odd spacing read back exactly", async () => {
    const cases: [string, string][] = [
      ["C:evil.txt", "C_evil.txt"],
      ["a:b", "a_b"],
      ["nul.txt", "_nul.txt"],
      ["..\u2215..\u2215etc", ".._.._etc"],
      ["x\uff0fy\u29f8z", "x_y_z"],
    ];
    for (const [i, [name, expected]] of cases.entries()) {
      const outbox = kind === "ses" ? server.ses : server.sent;
      const spaced = ["  lead", "trail  ", "two  spaces", " a  b ", "x  "][i] as string;
      await mailerWith(kind, "n").send({
        ...messageWith("ok", `win-${kind}-${i}`),
        to: `${quoteName(spaced)} <${RECEIVER}>`,
        subject: spaced,
        headers: { "X-Corpus-Value": spaced },
        attachments: [{ filename: name, content: "x" }],
      });
      const kept = outbox.messages();
      const raw = (kept[kept.length - 1] as { raw: Uint8Array }).raw;
      const opened = await openMessage(raw);
      expect(opened.attachments[0]?.filename, name).toBe(expected);
      const [py] = await readWithPython([raw]);
      expect(py?.subject).toBe(spaced);
      expect(py?.headers["X-Corpus-Value"]).toBe(spaced);
      // /send: the platform writes To itself.
      if (kind === "ses") expect(py?.toNames).toEqual([spaced]);
    }
  });
});

describe("sendPlainEmail has the composer's look-alike defences", () => {
  it.each([
    ["an address holding =?", { to: `=?utf-8?q?x?=@${MAIL_DOMAIN}` }, "invalid_address"],
    [
      "a subject holding =?",
      { subject: "=?utf-8?q?Evil=0D=0ABcc:_x@evil.example?=" },
      "invalid_header",
    ],
  ])("%s is refused before any request", async (_, change, code) => {
    const before = server.ses.messages().length;
    const error = await sendPlainEmail(ses, {
      from: SENDER,
      to: RECEIVER,
      subject: "s",
      text: "t",
      ...change,
    }).catch((caught: unknown) => caught);
    expect((error as AgentMailError).code).toBe(code);
    expect(server.ses.messages()).toHaveLength(before);
  });
});

describe("over the whole corpus", () => {
  it("Python's header access raised 0 times", () => {
    expect(exceptionsCounted).toBe(0);
  });

  // The composer writes a look-alike filename with RFC 2231 (filename*=utf-8''%3D%3F...), which
  // Python reads back literally. openMessage/fetchMessage take the part's name from postal-mime,
  // which decodes encoded words again after RFC 2231 (postal-mime.ts: decodeWords(filename)):
  // transport-api's mime.ts must not do that for a filename* value (as Python does not). Until
  // then this lists the names read back as something else (sanitized, never a path).
  it("attachment names as sent read back literally in openMessage and fetchMessage", () => {
    expect(filenameMismatches.slice(0, 100).join("\n")).toBe("");
  });
});
