// The tamper corpus: a real signed and encrypted message (a body and an attachment) that Bob sends
// to Carol through the dev server, altered every way an attacker on the path can alter it: bit
// flips over every packet region, truncation, packet reordering, another recipient's PKESK, a
// SED (tag 9, no integrity protection) of the same plaintext, the MDC stripped, the signature
// removed or replaced (by another key, by the recipient), the manifest header rewritten, the
// attachment's ciphertext flipped. Part of it is made by gpg (a real second implementation): the
// SED, the inner packets (`--unwrap`) and the replacement signatures.
//
// The promise checked: no altered plaintext is ever released by any entry point (decryptUtf8,
// decryptBytes, decryptStream, decryptToSink, openMessage, fetchMessage): each fails (with
// `decryption_failed`, ...) or, where the tampering hit a region nothing authenticates and nothing
// reads (the armor checksum, say), yields exactly the original. And a changed signer is never
// `valid`.
import { createMailer } from "@assmbl/core";
import {
  type AgentPrivateKey,
  decryptBytes,
  decryptStream,
  decryptToSink,
  decryptUtf8,
  generateKeyPair,
  type KeyPairBundle,
  loadPrivateKey,
  openpgpCrypto,
} from "@assmbl/crypto";
import type { DevServer } from "@assmbl/dev-server";
import { createDirectory, type Directory } from "@assmbl/directory";
import { concat, craftMessage, packet } from "@assmbl/testing/crafted";
import { dearmor, packetSpans } from "@assmbl/testing/crypto-helpers";
import { createGpgHome, type GpgHome } from "@assmbl/testing/gpg";
import { armorMessage } from "@assmbl/testing/message-fixtures";
import { startTestPlatform, type TestPlatform } from "@assmbl/testing/platform";
import { streamOf } from "@assmbl/testing/streams";
import {
  type AgentMailClient,
  apiTransport,
  createAgentMailClient,
  openMessage,
} from "@assmbl/transport-api";
import { SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAIL_DOMAIN = "agents.example.com";
const at = (id: string) => `${id}@${MAIL_DOMAIN}`;
const BODY = "Q3 numbers: revenue up 12%, keep it quiet. \u00e9\u2713";
const PDF = Uint8Array.from({ length: 3000 }, (_, i) => (i * 31 + 7) & 0xff);
const FAILURES = new Set(["decryption_failed", "signature_invalid", "signature_missing"]);

let platform: TestPlatform;
let server: DevServer;
let gpg: GpgHome;
let keys: Record<"bob" | "carol" | "dave" | "mallory", KeyPairBundle>;
let carolKey: AgentPrivateKey;
let carol: AgentMailClient;
let directory: Directory;
let raw: string; // the message as delivered to Carol
let armoredBody: string;
let armoredAttachment: string;
let body: Uint8Array; // the body's binary OpenPGP message
let inner: Uint8Array; // its decrypted packets (gpg --unwrap): one-pass, literal, signature

beforeAll(async () => {
  const make = (id: string) => generateKeyPair({ name: id, email: at(id) });
  const [bob, carolKeys, dave, mallory] = await Promise.all([
    make("bob"),
    make("carol"),
    make("dave"),
    make("mallory"),
  ]);
  keys = { bob, carol: carolKeys, dave, mallory } as typeof keys;
  // Seeded: the keys are in the directory from the start.
  platform = await startTestPlatform({
    mailDomain: MAIL_DOMAIN,
    agents: [
      { agentId: "bob", keys: bob },
      { agentId: "carol", keys: carolKeys },
      { agentId: "dave", keys: dave },
    ],
  });
  server = platform.server;
  directory = createDirectory({ baseUrl: server.url });
  carolKey = await loadPrivateKey(carolKeys.privateKeyArmored);
  carol = createAgentMailClient({
    baseUrl: server.url,
    token: server.agents.carol?.token ?? "",
    mailDomain: MAIL_DOMAIN,
  });
  const mailer = createMailer(
    apiTransport({ baseUrl: server.url, token: server.agents.bob?.token ?? "" }),
    {
      from: at("bob"),
      mailDomain: MAIL_DOMAIN,
      directory,
      crypto: openpgpCrypto({ signingKey: await loadPrivateKey(bob.privateKeyArmored) }),
    },
  );
  await mailer.send({
    to: at("carol"),
    subject: "Tamper corpus",
    text: BODY,
    attachments: [{ filename: "report.pdf", content: PDF, contentType: "application/pdf" }],
    encrypt: true,
  });
  const [item] = (await carol.listInbox()).items;
  raw = (await carol.getMessage(item?.id ?? "")).rawMime;
  const plain = await openMessage(raw);
  armoredBody = plain.bodyText;
  armoredAttachment = new TextDecoder().decode(plain.attachments[0]?.bytes ?? new Uint8Array());
  body = await dearmor(armoredBody);
  gpg = await createGpgHome();
  for (const bundle of [bob, carolKeys, mallory]) await gpg.importKey(bundle.privateKeyArmored);
  inner = Uint8Array.from((await gpg.run(["--unwrap", "--decrypt"], { input: body })).stdout);
}, 60_000);

afterAll(async () => {
  await gpg?.cleanup();
  await platform?.close();
});

// ---- what every entry point makes of a body ----------------------------------------------------

type Outcome =
  | { via: string; released: false; code: string }
  | {
      via: string;
      released: true;
      text: string;
      verification: string;
      signer?: string | undefined;
    };
type Released = Extract<Outcome, { released: true }>;

const failed = (via: string, error: unknown): Outcome => ({
  via,
  released: false,
  code: (error as { code?: string }).code ?? String(error),
});

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The body given as armored text or binary, through every entry point that decrypts it. */
async function outcomes(input: string | Uint8Array, all = true): Promise<Outcome[]> {
  const options = { privateKey: carolKey, verificationKeys: [keys.bob.publicKeyArmored] };
  const results: Outcome[] = [];
  // The signer a result names: the verified one, or (not valid) the one the signature claims.
  const record = (
    via: string,
    r: { verification: string; signerFingerprint?: string; claimedSignerFingerprint?: string },
    text: string,
  ) =>
    results.push({
      via,
      released: true,
      text,
      verification: r.verification,
      signer: r.signerFingerprint ?? r.claimedSignerFingerprint,
    });
  await decryptBytes(input, options).then(
    (r) => record("decryptBytes", r, decoder.decode(r.data)),
    (e) => results.push(failed("decryptBytes", e)),
  );
  if (!all) return results;
  if (typeof input === "string") {
    await decryptUtf8(input, options).then(
      (r) => record("decryptUtf8", r, r.text),
      (e) => results.push(failed("decryptUtf8", e)),
    );
  }
  // decryptStream releases nothing before the checks: not one chunk may come before its error.
  let chunks = 0;
  const streamed: Uint8Array[] = [];
  await decryptStream(streamOf(input, 97), options)
    .then(async ({ data, verification }) => {
      const reader = data.getReader();
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        chunks++;
        streamed.push(next.value);
      }
      record("decryptStream", await verification, decoder.decode(concat(streamed)));
    })
    .catch((e) => {
      expect(chunks, "decryptStream yielded data before failing").toBe(0);
      results.push(failed("decryptStream", e));
    });
  // decryptToSink writes unauthenticated data: the sink must never be closed (released) on failure.
  let closed = false;
  const written: Uint8Array[] = [];
  const sink = new WritableStream<Uint8Array>({
    write: (chunk) => void written.push(chunk),
    close: () => {
      closed = true;
    },
  });
  await decryptToSink(streamOf(input, 89), sink, options).then(
    (r) => record("decryptToSink", r, decoder.decode(concat(written))),
    (e) => {
      expect(closed, "decryptToSink closed its sink on failure").toBe(false);
      results.push(failed("decryptToSink", e));
    },
  );
  if (typeof input === "string") {
    const message = await openMessage(withBody(input), {
      decryptWith: carolKey,
      verifyWith: directory,
      mailDomain: MAIL_DOMAIN,
    });
    results.push(
      message.bodyError
        ? failed("openMessage", message.bodyError)
        : {
            via: "openMessage",
            released: true,
            text: message.bodyTextDecrypted ?? "",
            verification: message.verification ?? "",
            ...(message.verification === "valid"
              ? { signer: keys.bob.fingerprint }
              : message.signer?.fingerprint
                ? { signer: message.signer.fingerprint }
                : {}),
          },
    );
  }
  return results;
}

/**
 * The promise: each entry point failed with a decryption or signature error, or released exactly
 * the original text; `valid` only for Bob's own signature. Returns what was released, if anything.
 */
function expectSafe(name: string, results: Outcome[]): Released[] {
  for (const result of results) {
    const where = `${name} via ${result.via}`;
    if (!result.released) {
      expect(FAILURES.has(result.code), `${where}: ${result.code}`).toBe(true);
      continue;
    }
    expect(result.text, `${where} released altered plaintext`).toBe(BODY);
    if (result.verification === "valid") expect(result.signer, where).toBe(keys.bob.fingerprint);
  }
  return results.filter((result): result is Released => result.released);
}

// ---- building tampered messages ---------------------------------------------------------------

const flip = (bytes: Uint8Array, at: number, bit = at % 8) => {
  const copy = Uint8Array.from(bytes); // a copy, also of a Buffer (whose slice() is a view)
  copy[at] = (copy[at] ?? 0) ^ (1 << bit);
  return copy;
};

const packetsOf = (bytes: Uint8Array) =>
  packetSpans(bytes).map((span) => bytes.subarray(span.headerStart, span.bodyEnd));

/** One new-format packet with a definite length (what packetSpans and openpgp.js both read). */
const rebuilt = (tag: number, contents: Uint8Array) => packet(tag, contents);

/** The delivered raw message with its armored body (or the attachment's) replaced. */
function withBody(armored: string): string {
  return replaceArmor(raw, armoredBody, armored);
}
/** The delivered raw message with the attachment part's (base64) content replaced. */
function withAttachment(armored: string, message = raw): string {
  const eol = message.includes("\r\n") ? "\r\n" : "\n";
  // The composer writes the parameter quoted as Python does; accept the token form too.
  const quoted = message.indexOf(`filename="report.pdf.asc"${eol}${eol}`);
  const head = quoted >= 0 ? quoted : message.indexOf(`filename=report.pdf.asc${eol}${eol}`);
  const start = message.indexOf(`${eol}${eol}`, head) + 2 * eol.length;
  const end = message.indexOf(`${eol}--`, start);
  if (head < 0 || end < 0) throw new Error("attachment part not found in the raw message");
  const base64 =
    Buffer.from(armored)
      .toString("base64")
      .match(/.{1,76}/g) ?? [];
  return message.slice(0, start) + base64.join(eol) + message.slice(end);
}
/** The delivered raw message with its manifest header's value replaced. */
function withManifest(value: string, message = raw): string {
  const field = /^X-AgentMail-Attachments:.*(?:\r?\n[ \t].*)*/m;
  if (!field.test(message)) throw new Error("no manifest header in the raw message");
  return message.replace(field, () => `X-AgentMail-Attachments: ${value}`);
}
function replaceArmor(message: string, original: string, replacement: string): string {
  const eol = message.includes("\r\n") ? "\r\n" : "\n";
  const from = original.trim().replace(/\r?\n/g, eol);
  const at = message.indexOf(from);
  if (at < 0) throw new Error("armor not found verbatim in the raw message");
  return (
    message.slice(0, at) +
    replacement.trim().replace(/\r?\n/g, eol) +
    message.slice(at + from.length)
  );
}

/** The inner packets re-encrypted to Carol (valid PKESK, SEIPD and MDC). */
const sealed = (packets: Uint8Array) => craftMessage(keys.carol.publicKeyArmored, packets);

/** A gpg signature (detached, binary document) over the body's text by `signer`. */
async function gpgSignature(signer: KeyPairBundle): Promise<Uint8Array> {
  const signed = await gpg.run(
    ["--compress-algo", "none", "--local-user", signer.fingerprint, "--sign"],
    { input: BODY },
  );
  // gpg --sign: one-pass signature, literal, signature.
  const [onePass, , signature] = packetsOf(signed.stdout);
  return concat([onePass as Uint8Array, signature as Uint8Array]);
}

// ---- the corpus --------------------------------------------------------------------------------

describe("the untampered message (the baseline every case is compared with)", () => {
  it("reads valid from Bob, body and attachment, through openMessage and fetchMessage", async () => {
    expect(packetsOf(body).map((p) => p[0] as number & 0x3f)).toHaveLength(2);
    expect(packetSpans(inner).map((s) => s.tag)).toEqual([4, 11, 2]);
    const released = expectSafe("original", await outcomes(armoredBody));
    expect(released.map((r) => r.verification)).toEqual(Array(5).fill("valid"));
    const [item] = (await carol.listInbox()).items;
    const fetched = await carol.fetchMessage(item?.id ?? "", {
      decryptWith: carolKey,
      verifyWith: directory,
    });
    expect(fetched).toMatchObject({ bodyTextDecrypted: BODY, verification: "valid" });
    expect(fetched.attachments[0]).toMatchObject({
      filename: "report.pdf",
      decrypted: true,
      verification: "valid",
    });
    expect(fetched.attachments[0]?.bytes).toEqual(PDF);
  });
});

describe("the armored body", () => {
  it("a bit flipped at every byte of every packet releases nothing", async () => {
    const spans = packetSpans(body);
    // Where each packet region starts and ends, the MDC's place at the end: every entry point.
    const marks = new Set<number>();
    for (const s of spans) {
      for (const at of [
        s.headerStart,
        s.headerStart + 1,
        s.bodyStart,
        s.bodyStart + 1,
        s.bodyStart + 2,
      ])
        marks.add(at);
      for (const at of [Math.floor((s.bodyStart + s.bodyEnd) / 2), s.bodyEnd - 22, s.bodyEnd - 1])
        marks.add(at);
    }
    let releasedCount = 0;
    for (let at = 0; at < body.length; at++) {
      const tampered = flip(body, at);
      const full = marks.has(at) || at % 11 === 0;
      const results = await outcomes(full ? armorMessage(tampered) : tampered, full);
      releasedCount += expectSafe(`bit ${at % 8} of byte ${at}`, results).length;
    }
    // Every byte of the binary message is authenticated or checked: nothing decrypts.
    expect(releasedCount).toBe(0);
  });

  it("truncated anywhere (binary and armored lines) releases nothing", async () => {
    for (const cut of [
      1,
      10,
      ...packetSpans(body).flatMap((s) => [s.bodyStart, s.bodyEnd - 1]),
      body.length - 22,
    ]) {
      expect(
        expectSafe(`cut at ${cut}`, await outcomes(armorMessage(body.subarray(0, cut)))),
      ).toEqual([]);
    }
    const lines = armoredBody.trim().split(/\r?\n/);
    for (const keep of [3, Math.floor(lines.length / 2), lines.length - 3, lines.length - 1]) {
      const cut = `${lines.slice(0, keep).join("\n")}\n`;
      expect(expectSafe(`first ${keep} armor lines`, await outcomes(cut))).toEqual([]);
    }
  });

  it("reordered, duplicated or swapped packets release nothing", async () => {
    const [pkesk, seipd] = packetsOf(body) as [Uint8Array, Uint8Array];
    // Another message from Bob, to Dave, and another to Carol: their PKESKs in front of this SEIPD.
    const toDave = await dearmor(
      await openpgpCrypto().encryptText(BODY, [
        { agentId: "dave", address: at("dave"), publicKeyArmored: keys.dave.publicKeyArmored },
      ]),
    );
    const toCarolAgain = await dearmor(
      await openpgpCrypto().encryptText(BODY, [
        { agentId: "carol", address: at("carol"), publicKeyArmored: keys.carol.publicKeyArmored },
      ]),
    );
    const cases: Record<string, Uint8Array> = {
      "SEIPD before PKESK": concat([seipd, pkesk]),
      "PKESK only": pkesk,
      "SEIPD only": seipd,
      "Dave's PKESK for Carol's SEIPD": concat([packetsOf(toDave)[0] as Uint8Array, seipd]),
      "another message's PKESK to Carol": concat([packetsOf(toCarolAgain)[0] as Uint8Array, seipd]),
      // A second SEIPD after the first: refused by every entry point, the streamed ones too.
      "SEIPD twice": concat([pkesk, seipd, seipd]),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      expect(expectSafe(name, await outcomes(armorMessage(bytes))), name).toEqual([]);
    }
    // Harmless: a second PKESK (to Dave) beside Carol's is the same message for Carol.
    const name = "Dave's PKESK added";
    const results = await outcomes(
      armorMessage(concat([packetsOf(toDave)[0] as Uint8Array, pkesk, seipd])),
    );
    for (const result of expectSafe(name, results))
      expect(result).toMatchObject({ text: BODY, verification: "valid" });
    expect(results.every((r) => r.released)).toBe(true);
  });

  it("the SEIPD replaced by a SED (tag 9) of the same plaintext, or its MDC stripped: nothing", async () => {
    // gpg writes the SED (--rfc2440: no integrity protection), signed by Bob as the original.
    const sedMessage = (
      await gpg.run(
        [
          "--rfc2440",
          "--trust-model",
          "always",
          "--cipher-algo",
          "AES256",
          "--compress-algo",
          "none",
          "--local-user",
          keys.bob.fingerprint,
          "--recipient",
          keys.carol.fingerprint,
          "--sign",
          "--encrypt",
        ],
        { input: BODY },
      )
    ).stdout;
    expect(packetSpans(sedMessage).map((s) => s.tag)).toEqual([1, 9]);
    const [pkesk, seipd] = packetsOf(body) as [Uint8Array, Uint8Array];
    const [, sed] = packetsOf(sedMessage) as [Uint8Array, Uint8Array];
    const seipdSpan = packetSpans(body)[1] as { bodyStart: number; bodyEnd: number };
    const contents = body.subarray(seipdSpan.bodyStart, seipdSpan.bodyEnd);
    const cases: Record<string, Uint8Array> = {
      "gpg's SED message": sedMessage,
      "gpg's SED behind the original PKESK": concat([pkesk, sed]),
      // The same ciphertext under tag 9: the SEIPD's bytes read as a SED.
      "the SEIPD relabelled tag 9": concat([pkesk, rebuilt(9, contents.subarray(1))]),
      "MDC stripped (last 22 bytes)": concat([pkesk, rebuilt(18, contents.subarray(0, -22))]),
      "MDC stripped, one byte kept": concat([pkesk, rebuilt(18, contents.subarray(0, -21))]),
      "SEIPD version 2 label on v1 data": concat([
        pkesk,
        rebuilt(18, Uint8Array.of(2, ...contents.subarray(1))),
      ]),
    };
    expect(seipd.length).toBeGreaterThan(22);
    for (const [name, bytes] of Object.entries(cases)) {
      expect(expectSafe(name, await outcomes(armorMessage(bytes))), name).toEqual([]);
    }
  });

  it("the signature removed or replaced, inside a valid SEIPD: never valid for a changed signer", async () => {
    const [onePass, literal, signature] = packetsOf(inner) as [Uint8Array, Uint8Array, Uint8Array];
    type Pair = [Uint8Array, Uint8Array];
    const [malloryOnePass, mallorySignature] = packetsOf(await gpgSignature(keys.mallory)) as Pair;
    const [carolOnePass, carolSignature] = packetsOf(await gpgSignature(keys.carol)) as Pair;
    const [bobOnePass, bobSignature] = packetsOf(await gpgSignature(keys.bob)) as [
      Uint8Array,
      Uint8Array,
    ];
    const cases: Record<string, [Uint8Array, "fails" | "unsigned" | "invalid" | "valid", string?]> =
      {
        "signature removed (literal only)": [literal, "unsigned"],
        // A one-pass signature without its signature packet breaks the message grammar.
        "signature packet removed, one-pass kept": [concat([onePass, literal]), "fails"],
        "one-pass removed, signature kept after the literal": [
          concat([literal, signature]),
          "fails",
        ],
        "replaced by Mallory's (gpg)": [
          concat([malloryOnePass, literal, mallorySignature]),
          "invalid",
          keys.mallory.fingerprint,
        ],
        "Mallory's signature under Bob's one-pass": [
          concat([onePass, literal, mallorySignature]),
          "invalid",
          keys.mallory.fingerprint,
        ],
        "replaced by the recipient's (gpg)": [
          concat([carolOnePass, literal, carolSignature]),
          "invalid",
          keys.carol.fingerprint,
        ],
        // The control: the same construction with Bob's key is valid, so the cases above fail for
        // the signer, not for the construction.
        "replaced by Bob's own (gpg)": [
          concat([bobOnePass, literal, bobSignature]),
          "valid",
          keys.bob.fingerprint,
        ],
        "original packets, re-sealed": [
          concat([onePass, literal, signature]),
          "valid",
          keys.bob.fingerprint,
        ],
      };
    for (const [name, [packets, verdict, signer]] of Object.entries(cases)) {
      const released = expectSafe(name, await outcomes(await sealed(packets)));
      expect(
        released.map((r) => r.via),
        name,
      ).toHaveLength(verdict === "fails" ? 0 : 5);
      for (const result of released) {
        expect(result, `${name} via ${result.via}`).toMatchObject({
          text: BODY,
          verification: verdict,
        });
        if (signer) expect(result.signer, `${name} via ${result.via}`).toBe(signer);
      }
    }
    // A signature over other data than the literal's (Bob's, valid in itself) is not valid here.
    const firstDataByte = literal.length - new TextEncoder().encode(BODY).length;
    const otherData = await sealed(concat([onePass, flip(literal, firstDataByte, 0), signature]));
    for (const result of await outcomes(otherData))
      expect(result).not.toMatchObject({ verification: "valid" });
  });
});

describe("the armor around the body", () => {
  it("checksum, armor headers and text around it are not authenticated and change nothing else", async () => {
    const lines = armoredBody.trim().split(/\r?\n/);
    const sumAt = lines.findIndex((line) => /^=[A-Za-z0-9+/]{4}$/.test(line));
    expect(sumAt).toBeGreaterThan(0);
    const cases: Record<string, string> = {
      "checksum altered": lines.map((l, i) => (i === sumAt ? "=AAAA" : l)).join("\n"),
      "checksum removed": lines.filter((_, i) => i !== sumAt).join("\n"),
      "armor header added": [lines[0], "Comment: pay to account 42", ...lines.slice(1)].join("\n"),
      // openpgp.js reads the data between the BEGIN line and any END line.
      "END label changed": lines.join("\n").replace("END PGP MESSAGE", "END PGP SIGNATURE"),
      "CRLF line ends": lines.join("\r\n"),
    };
    for (const [name, armored] of Object.entries(cases)) {
      // Released or not, never anything but the original.
      for (const result of expectSafe(name, await outcomes(`${armored}\n`)))
        expect(result).toMatchObject({ text: BODY, verification: "valid" });
    }
    const broken: Record<string, string> = {
      "BEGIN label changed": armoredBody.replace("BEGIN PGP MESSAGE", "BEGIN PGP PUBLIC KEY BLOCK"),
      "a base64 character changed": armoredBody.replace(
        /^([A-Za-z0-9+/]{10})(.)/m,
        (_, a, c) => a + (c === "A" ? "B" : "A"),
      ),
      "a base64 line dropped": lines.filter((_, i) => i !== 3).join("\n"),
    };
    for (const [name, armored] of Object.entries(broken)) {
      expect(expectSafe(name, await outcomes(armored)), name).toEqual([]);
    }
  });
});

describe("the attachment", () => {
  it("its ciphertext flipped over every packet region: the part keeps its ciphertext and its error", async () => {
    const binary = await dearmor(armoredAttachment);
    const step = Math.max(1, Math.floor(binary.length / 40));
    const offsets = new Set([
      0,
      1,
      2,
      3,
      5,
      8,
      13,
      binary.length - 22,
      binary.length - 10,
      binary.length - 1,
    ]);
    for (let at = 0; at < binary.length; at += step) offsets.add(at);
    let checked = 0;
    for (const at of offsets) {
      const tampered = armorMessage(flip(binary, at));
      const direct = await decryptBytes(tampered, {
        privateKey: carolKey,
        verificationKeys: keys.bob.publicKeyArmored,
      }).then(
        (r) => ({ released: true, data: r.data }),
        (e) => ({ released: false, code: (e as { code: string }).code }),
      );
      if (direct.released) expect((direct as { data: Uint8Array }).data, `byte ${at}`).toEqual(PDF);
      else expect(FAILURES.has((direct as { code: string }).code), `byte ${at}`).toBe(true);
      if (checked++ % 3 !== 0) continue;
      const message = await openMessage(withAttachment(tampered), {
        decryptWith: carolKey,
        verifyWith: directory,
        mailDomain: MAIL_DOMAIN,
      });
      expect(message).toMatchObject({ bodyTextDecrypted: BODY, verification: "valid" });
      const [part] = message.attachments;
      expect(part?.decrypted, `byte ${at}`).toBe(false);
      expect(FAILURES.has(part?.error?.code ?? ""), `byte ${at}: ${part?.error?.code}`).toBe(true);
      expect(part?.bytes, `byte ${at}: ciphertext kept`).toEqual(
        new TextEncoder().encode(tampered),
      );
    }
    expect(checked).toBeGreaterThan(40);
  });
});

describe("the manifest header", () => {
  it("rewritten sizes, names, types and flags never change the plaintext or its verdict", async () => {
    const header = (await openMessage(raw)).headers["x-agentmail-attachments"] ?? "";
    const [row] = JSON.parse(header) as Record<string, unknown>[];
    const rows = (change: Record<string, unknown>) => JSON.stringify([{ ...row, ...change }]);
    const cases: Record<string, string> = {
      "size 1": rows({ size: 1 }),
      "size 2^40": rows({ size: 2 ** 40 }),
      "wrong sha256 added": rows({ sha256: "00".repeat(32) }),
      "original name a path": rows({ original_filename: "../../.ssh/authorized_keys" }),
      "original name with a bidi override": rows({ original_filename: "invoice\u202Efdp.exe" }),
      "original type html": rows({ original_content_type: "text/html" }),
      "sent name changed": rows({ filename: "other.asc" }),
      "encrypted false": rows({ encrypted: false, encryption: undefined }),
      "encryption format binary": rows({ encryption: { algorithm: "openpgp", format: "binary" } }),
      "index of no part": rows({ index: 3 }),
      "not JSON": '[{"index":0,',
      "two rows for one part": JSON.stringify([row, { ...row, original_filename: "twin.pdf" }]),
    };
    for (const [name, value] of Object.entries(cases)) {
      const message = await openMessage(withManifest(value), {
        decryptWith: carolKey,
        verifyWith: directory,
        mailDomain: MAIL_DOMAIN,
      });
      expect(message, name).toMatchObject({ bodyTextDecrypted: BODY, verification: "valid" });
      const [part] = message.attachments;
      expect(message.attachments, name).toHaveLength(1);
      if (part?.decrypted) {
        // The authenticated content: exactly the original, still Bob's.
        expect(part.bytes, name).toEqual(PDF);
        expect(part.size, name).toBe(PDF.length);
        expect(part.verification, name).toBe("valid");
        expect(part.filename, name).not.toMatch(/[/\\\u202E]|^\.\.?$/);
      } else {
        expect(part?.bytes, name).toEqual(new TextEncoder().encode(armoredAttachment));
      }
      if (name === "index of no part" || name === "not JSON") {
        expect(message.manifestError?.code, name).toBe("invalid_manifest");
        expect(part?.decrypted, name).toBe(true);
      }
      // An unsafe name is skipped for the next candidate: the sent name without `.asc`.
      if (name === "original name a path") expect(part?.filename).toBe("report.pdf");
    }
  });
});

describe("through the platform (fetchMessage)", () => {
  it("tampered copies delivered by the SES endpoint read as openMessage reads them", async () => {
    const creds = (server.agents.bob as { ses?: { accessKeyId: string; secretAccessKey: string } })
      .ses ?? { accessKeyId: "test", secretAccessKey: "test" };
    const ses = new SESClient({
      endpoint: server.url,
      region: "us-east-1",
      credentials: creds,
      maxAttempts: 1,
    });
    const [pkesk, seipd] = packetsOf(body) as [Uint8Array, Uint8Array];
    const [, literal] = packetsOf(inner) as Uint8Array[];
    const mallory = packetsOf(await gpgSignature(keys.mallory)) as Uint8Array[];
    const attachment = await dearmor(armoredAttachment);
    const span = packetSpans(body)[1] as { bodyStart: number; bodyEnd: number };
    const seipdBody = body.subarray(span.bodyStart, span.bodyEnd);
    const cases: Record<
      string,
      { raw: string; body: "fails" | "valid" | "mallory"; part: "fails" | "valid" }
    > = {
      "SEIPD bit flip": {
        raw: withBody(armorMessage(concat([pkesk, flip(seipd, 40)]))),
        body: "fails",
        part: "valid",
      },
      "MDC stripped": {
        raw: withBody(armorMessage(concat([pkesk, rebuilt(18, seipdBody.subarray(0, -22))]))),
        body: "fails",
        part: "valid",
      },
      "signature by Mallory": {
        raw: withBody(
          await sealed(
            concat([mallory[0] as Uint8Array, literal as Uint8Array, mallory[1] as Uint8Array]),
          ),
        ),
        body: "mallory",
        part: "valid",
      },
      "attachment bit flip": {
        raw: withAttachment(armorMessage(flip(attachment, attachment.length >> 1))),
        body: "valid",
        part: "fails",
      },
      "manifest name and size": {
        raw: withManifest(
          JSON.stringify([
            {
              ...JSON.parse((await openMessage(raw)).headers["x-agentmail-attachments"] ?? "[]")[0],
              size: 7,
              original_filename: "../x.pdf",
            },
          ]),
        ),
        body: "valid",
        part: "valid",
      },
    };
    let n = 0;
    for (const [name, c] of Object.entries(cases)) {
      const subject = `Tampered ${++n}`;
      const tagged = c.raw
        .replace(/^Subject: .*$/m, `Subject: ${subject}`)
        .replace(/^Message-ID: <([^>]*)>/m, `Message-ID: <t${n}.$1>`)
        // The mail processor delivers a repeated idempotency key once: each copy is its own send.
        .replace(/^(X-AgentMail-Idempotency-Key: )(.*)$/im, `$1$2-t${n}`);
      await ses.send(
        new SendRawEmailCommand({ RawMessage: { Data: new TextEncoder().encode(tagged) } }),
      );
      const item = (await carol.listInbox({ q: subject })).items.find((i) => i.subject === subject);
      const message = await carol.fetchMessage(item?.id ?? "", {
        decryptWith: carolKey,
        verifyWith: directory,
      });
      expect(message.sender, name).toBe(at("bob"));
      if (c.body === "fails") {
        expect(message.bodyTextDecrypted, name).toBeUndefined();
        expect(message.bodyError?.code, name).toBe("decryption_failed");
      } else {
        expect(message.bodyTextDecrypted, name).toBe(BODY);
        expect(message.verification, name).toBe(c.body === "valid" ? "valid" : "invalid");
        if (c.body === "mallory")
          expect(message.signer?.fingerprint, name).toBe(keys.mallory.fingerprint);
      }
      const [part] = message.attachments;
      if (c.part === "fails") {
        expect(part?.decrypted, name).toBe(false);
        expect(part?.error?.code, name).toBe("decryption_failed");
      } else {
        expect(part?.bytes, name).toEqual(PDF);
        expect(part?.verification, name).toBe("valid");
      }
    }
    ses.destroy();
  });
});
