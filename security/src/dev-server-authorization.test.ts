// The dev server's authorization matrix. Agent A (alice) holds her bearer token and her issued
// SES credentials, and knows everything public about agent B (bob): his address, his directory
// record (both keys), his SES access key id, the id of a message in his inbox and the object key
// of his upload. With that, nothing of bob's may be read, deleted, registered or revoked, and
// nothing may be sent as bob, through the AgentMail API or the SES endpoint. Each row runs
// against a fresh server, asserts the answer (status and error name / code), that bob's state is
// byte for byte what it was, and that nothing was sent or delivered as bob.
import { createHash } from "node:crypto";
import { Routes, routePath } from "@assmbl/core";
import { generateKeyPair, type KeyPairBundle } from "@assmbl/crypto";
import type { DevServer } from "@assmbl/dev-server";
import { armoredKey, keyPacketBodies, spkiPem } from "@assmbl/testing/agent-keys";
import { usePlatforms } from "@assmbl/testing/platform";
import { signedHeaders, tamperAfterSigning } from "@assmbl/testing/ses";
import { SESClient, SendEmailCommand, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { SESv2Client, SendEmailCommand as SendEmailV2Command } from "@aws-sdk/client-sesv2";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

const DOMAIN = "agents.localhost";
const ALICE = `alice@${DOMAIN}`;
const BOB = `bob@${DOMAIN}`;
const CAROL = `carol@${DOMAIN}`;

let keys: Record<"alice" | "bob" | "carol", KeyPairBundle>;
beforeAll(async () => {
  const [alice, bob, carol] = await Promise.all(
    ["alice", "bob", "carol"].map((id) => generateKeyPair({ name: id, email: `${id}@${DOMAIN}` })),
  );
  keys = { alice, bob, carol } as typeof keys;
}, 60_000);

/** One row's world: the server, and what alice knows about bob. */
interface World {
  server: DevServer;
  aliceToken: string;
  aliceSes: { accessKeyId: string; secretAccessKey: string };
  bobSes: { accessKeyId: string; secretAccessKey: string };
  /** A message in bob's inbox, with one attachment (sent by carol through /send). */
  bobMessageId: string;
  /** An upload of bob's. */
  bobUploadKey: string;
}

// Each row's platform stops after its row.
const start = usePlatforms();
const clients: Array<{ destroy(): void }> = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

async function world(): Promise<World> {
  const platform = await start({
    mailDomain: DOMAIN,
    // The keys are seeded (registered from the start).
    agents: (["alice", "bob", "carol"] as const).map((agentId) => ({
      agentId,
      keys: keys[agentId],
    })),
  });
  const { server } = platform;
  const token = (id: string) => platform.agent(id).token;
  const carolFile = await upload(server, token("carol"), "report.txt", "quarterly numbers");
  const sent = await api(server, token("carol"), "POST", Routes.send.path, {
    to: BOB,
    subject: "for bob only",
    body: "secret",
    attachments: [{ object_key: carolFile, filename: "report.txt", content_type: "text/plain" }],
  });
  expect(sent.status).toBe(200);
  const bobMessageId = server.store.inbox("bob")[0]?.id ?? "";
  const bobUploadKey = await upload(server, token("bob"), "bob.txt", "bob's own file");
  return {
    server,
    aliceToken: token("alice"),
    aliceSes: platform.agent("alice").ses,
    bobSes: platform.agent("bob").ses,
    bobMessageId,
    bobUploadKey,
  };
}

function api(server: DevServer, token: string, method: string, path: string, body?: unknown) {
  return fetch(server.url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function upload(server: DevServer, token: string, name: string, text: string) {
  const grant = await api(server, token, "POST", Routes.requestUpload.path, {
    file_name: name,
    content_type: "text/plain",
    max_bytes: 1024,
  });
  const { object_key, upload: presigned } = (await grant.json()) as {
    object_key: string;
    upload: { url: string; fields: Record<string, string> };
  };
  const form = new FormData();
  for (const [field, value] of Object.entries(presigned.fields)) form.append(field, value);
  form.append("file", new Blob([text]), name);
  expect((await fetch(presigned.url, { method: "POST", body: form })).status).toBe(204);
  return object_key;
}

/** Everything of bob's, hashed: his record, his inbox (raw bytes and flags), his upload. */
function bobState(w: World): string {
  const { store } = w.server;
  const object = store.objects.view(w.bobUploadKey);
  return JSON.stringify({
    record: store.directoryRecord("bob"),
    agent: { ...store.agent("bob"), ses: undefined },
    inbox: store.inbox("bob").map((message) => ({
      ...message,
      raw: createHash("sha256").update(message.raw).digest("hex"),
    })),
    upload: object && createHash("sha256").update(object.bytes).digest("hex"),
  });
}

/** Mail that claims to be from bob, anywhere: inboxes, the SES outbox, the /send outbox. */
function sentAsBob(server: DevServer): number {
  const fromBob = (raw: Uint8Array) =>
    /^(from|sender|return-path):[^\r\n]*bob@/im.test(Buffer.from(raw).toString("latin1"));
  const inboxes = ["alice", "bob", "carol"].flatMap((id) => server.store.inbox(id));
  return (
    inboxes.filter((message) => message.sender.toLowerCase() === BOB || fromBob(message.raw))
      .length +
    server.ses.messages().filter((message) => fromBob(message.raw)).length +
    server.sent.messages().filter((message) => message.agentId === "bob").length
  );
}

/** What a row's attempt came back with: an HTTP status and an error name or code. */
interface Outcome {
  status: number;
  error: string | undefined;
}

async function httpOutcome(response: Response): Promise<Outcome> {
  const text = await response.text();
  const error =
    response.headers.get("x-amzn-errortype") ??
    /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ??
    (text.startsWith("{")
      ? ((JSON.parse(text) as { error?: string }).error ?? undefined)
      : undefined);
  return { status: response.status, error };
}

async function sdkOutcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return { status: 200, error: undefined };
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { status: e.$metadata?.httpStatusCode ?? 0, error: e.name };
  }
}

function sesClients(w: World, credentials: { accessKeyId: string; secretAccessKey: string }) {
  const config = { endpoint: w.server.url, region: "us-east-1", credentials, maxAttempts: 1 };
  const made = { v1: new SESClient(config), v2: new SESv2Client(config) };
  clients.push(made.v1, made.v2);
  return made;
}

const rawFrom = (from: string, extra = "") =>
  new TextEncoder().encode(
    `From: ${from}\r\nTo: ${CAROL}\r\n${extra}Subject: as bob\r\n\r\nhi\r\n`,
  );

/** A v1 SendRawEmail form body. */
const rawForm = (from: string) =>
  new URLSearchParams({
    Action: "SendRawEmail",
    Version: "2010-12-01",
    "RawMessage.Data": Buffer.from(rawFrom(from)).toString("base64"),
  }).toString();

async function signedPost(
  w: World,
  body: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  date?: Date,
): Promise<Outcome> {
  return httpOutcome(
    await fetch(`${w.server.url}/`, {
      method: "POST",
      headers: signedHeaders(`${w.server.url}/`, {
        body,
        credentials,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        ...(date ? { date } : {}),
      }),
      body,
    }),
  );
}

/**
 * Bob's encryption subkey packet with bit 255 of its X25519 u set: another byte string, the same
 * key (RFC 7748 ignores the bit), so mail to a key holding it is readable by bob.
 */
function bobsSubkeyHighBit(): Buffer {
  const body = Buffer.from(keyPacketBodies(keys.bob.publicKeyArmored)[1] ?? []);
  // ECDH (18): ... MPI(0x40 || u) || KDF parameters (4 octets); X25519 (25): ... || u.
  const last = body[5] === 18 ? body.length - 5 : body.length - 1;
  body[last] = (body[last] ?? 0) | 0x80;
  return body;
}

type Row = readonly [
  name: string,
  attempt: (w: World) => Promise<Outcome>,
  status: number,
  error: string,
];

const apiRows: Row[] = [
  [
    "read bob's message",
    async (w) =>
      httpOutcome(
        await api(
          w.server,
          w.aliceToken,
          "GET",
          routePath(Routes.getMessage, { id: w.bobMessageId }),
        ),
      ),
    404,
    "not_found",
  ],
  [
    "delete bob's message",
    async (w) =>
      httpOutcome(
        await api(
          w.server,
          w.aliceToken,
          "DELETE",
          routePath(Routes.deleteMessage, { id: w.bobMessageId }),
        ),
      ),
    404,
    "not_found",
  ],
  [
    "read the status of bob's attachment",
    async (w) =>
      httpOutcome(
        await api(
          w.server,
          w.aliceToken,
          "GET",
          routePath(Routes.getAttachment, { id: w.bobMessageId, index: 0 }),
        ),
      ),
    404,
    "not_found",
  ],
  [
    "download bob's attachment",
    async (w) =>
      httpOutcome(
        await api(
          w.server,
          w.aliceToken,
          "POST",
          routePath(Routes.downloadAttachment, { id: w.bobMessageId, index: 0 }),
        ),
      ),
    404,
    "not_found",
  ],
  [
    "download bob's upload",
    async (w) =>
      httpOutcome(
        await api(w.server, w.aliceToken, "POST", Routes.requestDownload.path, {
          object_key: w.bobUploadKey,
        }),
      ),
    404,
    "not_found",
  ],
  [
    "fetch bob's upload from storage without a presigned signature",
    async (w) =>
      httpOutcome(
        await fetch(
          `${w.server.url}/_storage/objects/${w.bobUploadKey.split("/").map(encodeURIComponent).join("/")}`,
        ),
      ),
    403,
    "AccessDenied",
  ],
  [
    "send bob's upload as an attachment",
    async (w) =>
      httpOutcome(
        await api(w.server, w.aliceToken, "POST", Routes.send.path, {
          to: CAROL,
          subject: "s",
          body: "b",
          attachments: [
            { object_key: w.bobUploadKey, filename: "bob.txt", content_type: "text/plain" },
          ],
        }),
      ),
    400,
    "invalid_attachment",
  ],
  [
    "register bob's SPKI key (with a key of her own for OpenPGP)",
    async (w) =>
      httpOutcome(
        await api(w.server, w.aliceToken, "POST", Routes.register.path, {
          public_key: keys.bob.directoryPublicKeyPem,
          algorithm: keys.bob.algorithm,
          key_version: 2,
          if_match_version: 1,
          openpgp_public_key: null,
        }),
      ),
    409,
    "key_in_use",
  ],
  [
    "register bob's OpenPGP key under a new SPKI key",
    async (w) =>
      httpOutcome(
        await api(w.server, w.aliceToken, "POST", Routes.register.path, {
          public_key: spkiPem("ed25519", 40),
          algorithm: "Ed25519",
          key_version: 2,
          if_match_version: 1,
          openpgp_public_key: keys.bob.publicKeyArmored,
        }),
      ),
    400,
    "key_identity_mismatch",
  ],
  [
    "register a fresh OpenPGP key that names bob",
    async (w) =>
      httpOutcome(
        await api(w.server, w.aliceToken, "POST", Routes.register.path, {
          public_key: spkiPem("ed25519", 41),
          algorithm: "Ed25519",
          key_version: 2,
          if_match_version: 1,
          openpgp_public_key: armoredKey(BOB, 41),
        }),
      ),
    400,
    "key_identity_mismatch",
  ],
  [
    "register bob's X25519 subkey with bit 255 of u set, under her own primary",
    async (w) =>
      httpOutcome(
        await api(w.server, w.aliceToken, "POST", Routes.register.path, {
          public_key: spkiPem("ed25519", 42),
          algorithm: "Ed25519",
          key_version: 2,
          if_match_version: 1,
          openpgp_public_key: armoredKey(ALICE, 42, { subkeyBodies: [bobsSubkeyHighBit()] }),
        }),
      ),
    409,
    "key_in_use",
  ],
  [
    'register a key whose user id hides bob in quotes: "x <bob>" <alice>',
    async (w) =>
      httpOutcome(
        await api(w.server, w.aliceToken, "POST", Routes.register.path, {
          public_key: spkiPem("ed25519", 43),
          algorithm: "Ed25519",
          key_version: 2,
          if_match_version: 1,
          openpgp_public_key: armoredKey(ALICE, 43, { userIds: [`"x <${BOB}>" <${ALICE}>`] }),
        }),
      ),
    400,
    "key_identity_mismatch",
  ],
  [
    "revoke bob's key by naming him",
    async (w) =>
      httpOutcome(
        await api(w.server, w.aliceToken, "POST", Routes.revoke.path, { agent_id: "bob" }),
      ),
    400,
    "invalid_request",
  ],
  [
    "send through /send with a From header naming bob",
    async (w) =>
      httpOutcome(
        await api(w.server, w.aliceToken, "POST", Routes.send.path, {
          to: CAROL,
          subject: "s",
          body: "b",
          headers: { From: BOB },
        }),
      ),
    400,
    "reserved_header",
  ],
  [
    "send through /send with a Sender header naming bob",
    async (w) =>
      httpOutcome(
        await api(w.server, w.aliceToken, "POST", Routes.send.path, {
          to: CAROL,
          subject: "s",
          body: "b",
          headers: { Sender: BOB },
        }),
      ),
    400,
    "reserved_header",
  ],
  [
    "use her SES secret as a bearer token",
    async (w) =>
      httpOutcome(await api(w.server, w.aliceSes.secretAccessKey, "GET", Routes.listInbox.path)),
    401,
    "unauthorized",
  ],
];

const sesRows: Row[] = [
  [
    "v1 SendRawEmail with From: bob",
    (w) =>
      sdkOutcome(
        sesClients(w, w.aliceSes).v1.send(
          new SendRawEmailCommand({ RawMessage: { Data: rawFrom(BOB) } }),
        ),
      ),
    400,
    "MessageRejected",
  ],
  [
    "v1 SendRawEmail with Source bob (From alice)",
    (w) =>
      sdkOutcome(
        sesClients(w, w.aliceSes).v1.send(
          new SendRawEmailCommand({ Source: BOB, RawMessage: { Data: rawFrom(ALICE) } }),
        ),
      ),
    400,
    "MessageRejected",
  ],
  [
    "v1 SendRawEmail with Sender: bob (From alice)",
    (w) =>
      sdkOutcome(
        sesClients(w, w.aliceSes).v1.send(
          new SendRawEmailCommand({ RawMessage: { Data: rawFrom(ALICE, `Sender: ${BOB}\r\n`) } }),
        ),
      ),
    400,
    "MessageRejected",
  ],
  [
    "v1 SendEmail with Source bob",
    (w) =>
      sdkOutcome(
        sesClients(w, w.aliceSes).v1.send(
          new SendEmailCommand({
            Source: `Bob <${BOB}>`,
            Destination: { ToAddresses: [CAROL] },
            Message: { Subject: { Data: "s" }, Body: { Text: { Data: "t" } } },
          }),
        ),
      ),
    400,
    "MessageRejected",
  ],
  [
    "v2 SendEmail with FromEmailAddress bob",
    (w) =>
      sdkOutcome(
        sesClients(w, w.aliceSes).v2.send(
          new SendEmailV2Command({
            FromEmailAddress: BOB,
            Content: { Raw: { Data: rawFrom(ALICE) } },
          }),
        ),
      ),
    400,
    "MessageRejected",
  ],
  [
    "v2 SendEmail with a raw From: bob",
    (w) =>
      sdkOutcome(
        sesClients(w, w.aliceSes).v2.send(
          new SendEmailV2Command({ Content: { Raw: { Data: rawFrom(BOB) } } }),
        ),
      ),
    400,
    "MessageRejected",
  ],
  // Sender headers that readers disagree about: Python (the Python SDK) and openMessage read
  // bob where a lenient reader reads alice. Each must be refused, not delivered as verified.
  ...(
    [
      [
        "a bare CR hiding From: bob in the Subject line",
        `Subject: hello\rFrom: Bob <${BOB}>\r\nTo: ${CAROL}\r\n\r\nI am bob`,
        ALICE,
      ],
      ['From: <bob> "<alice>"', `From: <${BOB}> "<${ALICE}>"\r\nTo: ${CAROL}\r\n\r\nI am bob`],
      ['From: bob "<alice>"', `From: ${BOB} "<${ALICE}>"\r\nTo: ${CAROL}\r\n\r\nI am bob`],
      ["From: a group bob:alice;", `From: ${BOB}:${ALICE};\r\nTo: ${CAROL}\r\n\r\nI am bob`],
      ["From: bob <alice (unclosed)", `From: ${BOB} <${ALICE}\r\nTo: ${CAROL}\r\n\r\nI am bob`],
      [
        "two From headers",
        `From: ${ALICE}\r\nFROM: "Bob" <${ALICE}>\r\nTo: ${CAROL}\r\n\r\nI am bob`,
      ],
      // compat32 getaddresses / postal-mime split before decoding: they read bob.
      [
        'From: "bob"=?utf-8?q?,?= <alice> (an encoded comma)',
        `From: "${BOB}"=?utf-8?q?,?= <${ALICE}>\r\nTo: ${CAROL}\r\n\r\nI am bob`,
      ],
      [
        'From: =?utf-8?q?"?= bob "x" <alice> (an encoded quote)',
        `From: =?utf-8?q?"?= ${BOB} "x" <${ALICE}>\r\nTo: ${CAROL}\r\n\r\nI am bob`,
      ],
      [
        "From: an encoded word decoding to CRLF and a header, then <alice>",
        `From: =?utf-8?b?${Buffer.from(`x\r\nFrom: ${BOB}`).toString("base64")}?= <${ALICE}>\r\nTo: ${CAROL}\r\n\r\nI am bob`,
      ],
    ] as const
  ).map(
    ([shape, raw, source]): Row => [
      `v1 SendRawEmail with ${shape}`,
      (w) =>
        sdkOutcome(
          sesClients(w, w.aliceSes).v1.send(
            new SendRawEmailCommand({
              ...(source === undefined ? {} : { Source: source }),
              RawMessage: { Data: new TextEncoder().encode(raw) },
            }),
          ),
        ),
      400,
      "MessageRejected",
    ],
  ),
  [
    'v2 SendEmail with From and Sender: <bob> "<alice>"',
    (w) =>
      sdkOutcome(
        sesClients(w, w.aliceSes).v2.send(
          new SendEmailV2Command({
            Content: {
              Raw: {
                Data: new TextEncoder().encode(
                  `From: <${BOB}> "<${ALICE}>"\r\nSender: <${BOB}> "<${ALICE}>"\r\nTo: ${CAROL}\r\nSubject: wire the money\r\n\r\nThis is bob.`,
                ),
              },
            },
          }),
        ),
      ),
    400,
    "MessageRejected",
  ],
  [
    "an unsigned v1 request From: bob",
    async (w) =>
      httpOutcome(
        await fetch(`${w.server.url}/`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: rawForm(BOB),
        }),
      ),
    403,
    "MissingAuthenticationToken",
  ],
  [
    "an unsigned v2 request From: bob",
    async (w) =>
      httpOutcome(
        await fetch(`${w.server.url}/v2/email/outbound-emails`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            Content: { Raw: { Data: Buffer.from(rawFrom(BOB)).toString("base64") } },
          }),
        }),
      ),
    403,
    "MissingAuthenticationTokenException",
  ],
  [
    "her bearer token as the SES Authorization",
    async (w) =>
      httpOutcome(
        await fetch(`${w.server.url}/`, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            authorization: `Bearer ${w.aliceToken}`,
          },
          body: rawForm(BOB),
        }),
      ),
    400,
    "IncompleteSignature",
  ],
  [
    "bob's access key id with a guessed secret (v1)",
    (w) =>
      sdkOutcome(
        sesClients(w, {
          accessKeyId: w.bobSes.accessKeyId,
          secretAccessKey: w.aliceSes.secretAccessKey,
        }).v1.send(new SendRawEmailCommand({ RawMessage: { Data: rawFrom(BOB) } })),
      ),
    403,
    "SignatureDoesNotMatch",
  ],
  [
    "bob's access key id with a guessed secret (v2)",
    (w) =>
      sdkOutcome(
        sesClients(w, {
          accessKeyId: w.bobSes.accessKeyId,
          secretAccessKey: "A".repeat(40),
        }).v2.send(new SendEmailV2Command({ Content: { Raw: { Data: rawFrom(BOB) } } })),
      ),
    403,
    "InvalidSignatureException",
  ],
  [
    "an access key the server never issued (v1)",
    (w) =>
      sdkOutcome(
        sesClients(w, {
          accessKeyId: "AKIADEVBOBBOBBOBBOB2",
          secretAccessKey: w.aliceSes.secretAccessKey,
        }).v1.send(new SendRawEmailCommand({ RawMessage: { Data: rawFrom(BOB) } })),
      ),
    403,
    "InvalidClientTokenId",
  ],
  [
    "an access key the server never issued (v2)",
    (w) =>
      sdkOutcome(
        sesClients(w, {
          accessKeyId: "AKIADEVBOBBOBBOBBOB2",
          secretAccessKey: w.aliceSes.secretAccessKey,
        }).v2.send(new SendEmailV2Command({ Content: { Raw: { Data: rawFrom(BOB) } } })),
      ),
    403,
    "UnrecognizedClientException",
  ],
  [
    "her own signed request with From changed to bob after signing",
    (w) => {
      const { v1 } = sesClients(w, w.aliceSes);
      const alice = encodeURIComponent(Buffer.from(rawFrom(ALICE)).toString("base64"));
      const bob = encodeURIComponent(Buffer.from(rawFrom(BOB)).toString("base64"));
      tamperAfterSigning(v1, (body) => body.replace(alice, bob));
      return sdkOutcome(v1.send(new SendRawEmailCommand({ RawMessage: { Data: rawFrom(ALICE) } })));
    },
    403,
    "SignatureDoesNotMatch",
  ],
  [
    "a request bob signed 16 minutes ago, replayed",
    (w) => signedPost(w, rawForm(BOB), w.bobSes, new Date(Date.now() - 16 * 60_000)),
    403,
    "SignatureDoesNotMatch",
  ],
  [
    "a request signed with bob's key id and her secret, dated now",
    (w) =>
      signedPost(w, rawForm(BOB), {
        accessKeyId: w.bobSes.accessKeyId,
        secretAccessKey: w.aliceSes.secretAccessKey,
      }),
    403,
    "SignatureDoesNotMatch",
  ],
];

describe("with alice's token and SES credentials, nothing of bob's", () => {
  it.each(
    [...apiRows, ...sesRows].map(
      ([name, attempt, status, error]) => [name, status, error, attempt] as const,
    ),
  )(
    "%s: answers %i %s; bob unchanged, nothing sent as bob",
    async (_name, status, error, attempt) => {
      const w = await world();
      const before = bobState(w);
      const sentBefore = sentAsBob(w.server);
      const delivered = () => [
        w.server.ses.messages().length,
        w.server.store.inbox("carol").length,
      ];
      const deliveredBefore = delivered();
      const outcome = await attempt(w);
      expect(outcome).toEqual({ status, error });
      expect(bobState(w)).toBe(before);
      expect(sentAsBob(w.server)).toBe(sentBefore);
      // A refused send delivers nothing, as anyone.
      expect(delivered()).toEqual(deliveredBefore);
      // No answer, log line or outbox entry carries a secret.
      const log = JSON.stringify(w.server.requests.entries());
      for (const secret of [w.aliceSes.secretAccessKey, w.bobSes.secretAccessKey])
        expect(log).not.toContain(secret);
    },
  );

  it("her own inbox does not list bob's message", async () => {
    const w = await world();
    const before = bobState(w);
    const response = await api(
      w.server,
      w.aliceToken,
      "GET",
      `${Routes.listInbox.path}?include_archived=true`,
    );
    expect(response.status).toBe(200);
    expect(await response.text()).not.toContain(w.bobMessageId);
    expect(bobState(w)).toBe(before);
  });

  it("revoking with her token revokes her key only", async () => {
    const w = await world();
    const before = bobState(w);
    expect((await api(w.server, w.aliceToken, "POST", Routes.revoke.path, {})).status).toBe(200);
    expect(w.server.store.directoryRecord("alice")?.key_status).toBe("revoked");
    expect(bobState(w)).toBe(before);
  });

  it("control: the same credentials do send as alice, verified (the rows above fail for the reason they name)", async () => {
    const w = await world();
    const { v1, v2 } = sesClients(w, w.aliceSes);
    await v1.send(
      new SendRawEmailCommand({ Source: ALICE, RawMessage: { Data: rawFrom(`Alice <${ALICE}>`) } }),
    );
    await v2.send(
      new SendEmailV2Command({
        FromEmailAddress: ALICE,
        Content: { Raw: { Data: rawFrom(ALICE) } },
      }),
    );
    expect(await signedPost(w, rawForm(ALICE), w.aliceSes)).toEqual({
      status: 200,
      error: undefined,
    });
    const delivered = w.server.store.inbox("carol");
    expect(delivered.map((message) => [message.sender, message.senderVerified])).toEqual([
      [ALICE, true],
      [ALICE, true],
      [ALICE, true],
    ]);
    expect(sentAsBob(w.server)).toBe(0);
    // And bob's own credentials send as bob: what the rows count as "sent as bob" is detected.
    await sesClients(w, w.bobSes).v1.send(
      new SendRawEmailCommand({ RawMessage: { Data: rawFrom(BOB) } }),
    );
    // Counted twice: carol's inbox copy and the SES outbox record.
    expect(sentAsBob(w.server)).toBe(2);
  });
});
