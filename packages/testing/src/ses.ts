// Test helpers for the SES endpoint: stock AWS SDK clients pointed at a dev server, middleware
// that breaks a request on purpose, and Python's `email` parser as an independent MIME reader.

import { createHash, createHmac } from "node:crypto";
import type { DevServer } from "@assmbl/dev-server";
import { SESClient } from "@aws-sdk/client-ses";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { afterEach } from "vitest";
import { runPython } from "./python/run.js";

/**
 * Stock SDK clients for a server, signed with the SES credentials the server issued to
 * `agentId` (default: its first seeded agent); destroyed after each test.
 */
export function useSesClients(): (
  server: DevServer,
  agentId?: string,
) => { v1: SESClient; v2: SESv2Client } {
  const made: Array<{ destroy(): void }> = [];
  afterEach(() => {
    for (const client of made.splice(0)) client.destroy();
  });
  return (server, agentId) => {
    const agent = agentId === undefined ? Object.values(server.agents)[0] : server.agents[agentId];
    if (!agent) throw new Error(`useSesClients: the server has no seeded agent ${agentId ?? ""}`);
    const config = {
      endpoint: server.url,
      region: "us-east-1",
      credentials: { ...agent.ses },
    };
    const clients = { v1: new SESClient(config), v2: new SESv2Client(config) };
    made.push(clients.v1, clients.v2);
    return clients;
  };
}

/** What a request looks like to middleware: the serialized HTTP request. */
interface WireRequest {
  headers: Record<string, string>;
  body?: unknown;
}

/** The middleware stack of either client, typed loosely: these helpers touch only the request. */
interface LooseStack {
  add(middleware: unknown, options: Record<string, unknown>): void;
  addRelativeTo(middleware: unknown, options: Record<string, unknown>): void;
}
const stackOf = (client: SESClient | SESv2Client) =>
  client.middlewareStack as unknown as LooseStack;

/**
 * Rewrites each serialized body before its Content-Length is set and it is signed (the server
 * sees a well-formed, well-signed request).
 */
export function rewriteBody(
  client: SESClient | SESv2Client,
  rewrite: (body: string) => string,
): void {
  stackOf(client).add(
    (next: (args: unknown) => Promise<unknown>) => async (args: { request: WireRequest }) => {
      const { body } = args.request;
      // Query bodies are strings; JSON bodies are bytes.
      if (typeof body === "string") args.request.body = rewrite(body);
      else if (body instanceof Uint8Array) {
        args.request.body = rewrite(new TextDecoder().decode(body));
      }
      return next(args);
    },
    { step: "build", priority: "high", name: "devServerTestRewriteBody" },
  );
}

/** Replaces (or with `undefined`, removes) the `Authorization` header after signing. */
export function replaceAuthorization(
  client: SESClient | SESv2Client,
  value: string | undefined,
): void {
  stackOf(client).addRelativeTo(
    (next: (args: unknown) => Promise<unknown>) => async (args: { request: WireRequest }) => {
      for (const name of Object.keys(args.request.headers)) {
        if (name.toLowerCase() === "authorization") delete args.request.headers[name];
      }
      if (value !== undefined) args.request.headers.authorization = value;
      return next(args);
    },
    {
      relation: "after",
      toMiddleware: "httpSigningMiddleware",
      name: "devServerTestAuthorization",
    },
  );
}

/** The error an SDK call failed with (it must fail). */
export async function sdkError(
  call: Promise<unknown>,
): Promise<Error & { $fault?: string; $metadata: { httpStatusCode?: number } }> {
  return call.then(
    () => {
      throw new Error("expected the SDK call to fail");
    },
    (error: Error & { $fault?: string; $metadata: { httpStatusCode?: number } }) => error,
  );
}

/** A message as Python's `email` package (policy=default) reads it. */
export interface PythonParsed {
  from: Array<[name: string, address: string]>;
  to: Array<[name: string, address: string]>;
  cc: Array<[name: string, address: string]>;
  replyTo: Array<[name: string, address: string]>;
  hasBcc: boolean;
  subject: string | null;
  messageId: string | null;
  contentType: string;
  text: string | null;
  html: string | null;
  headers: Record<string, string>;
  defects: string[];
}

const PARSE = `
import email, email.policy, json, sys
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
def addresses(name):
    header = msg[name]
    return [] if header is None else [[a.display_name, a.addr_spec] for a in header.addresses]
def body(kind):
    part = msg.get_body(preferencelist=(kind,))
    return None if part is None else part.get_content()
print(json.dumps({
    "from": addresses("From"), "to": addresses("To"), "cc": addresses("Cc"),
    "replyTo": addresses("Reply-To"), "hasBcc": msg["Bcc"] is not None,
    "subject": None if msg["Subject"] is None else str(msg["Subject"]),
    "messageId": msg["Message-ID"], "contentType": msg.get_content_type(),
    "text": body("plain"), "html": body("html"),
    "headers": {k: str(v) for k, v in msg.items()},
    "defects": [type(d).__name__ for part in msg.walk() for d in part.defects],
}))
`;

/** Parses raw MIME with `python3 -c 'email.message_from_bytes(..., policy=default)'`. */
export async function parseWithPython(raw: Uint8Array): Promise<PythonParsed> {
  const out = await runPython(PARSE, raw);
  return JSON.parse(out.toString("utf8")) as PythonParsed;
}

/** One message's sender headers as Python's `email` reads them (see {@link sendersOfAll}). */
export interface PythonSenders {
  /** parseWithPython's `from`: `[display name, address]` of `msg["From"]` (policy.default). */
  from: Array<[name: string, address: string]>;
  /** parseWithPython's `headers.Sender`: `str(value)` of the last `Sender` (policy.default). */
  sender?: string;
  /**
   * The sender headers' addresses as both of Python's readers see them: `policy.default`, which
   * decodes encoded words before it splits, and compat32's `email.utils.getaddresses` and
   * `parseaddr`, which split the raw text. One list per header occurrence.
   */
  readers: Record<
    "From" | "Sender" | "Return-Path",
    { default: string[][] | string; getaddresses: string[][]; parseaddr: string[] }
  >;
}

const SENDERS = `
import base64, email, email.policy, email.utils, json, sys
def read(raw):
    new = email.message_from_bytes(raw, policy=email.policy.default)
    old = email.message_from_bytes(raw, policy=email.policy.compat32)
    def default(name):
        try:
            return [[a.addr_spec for a in h.addresses] for h in new.get_all(name, [])]
        except Exception as error:
            return "error: " + type(error).__name__
    def compat32(name):
        return [[a for _, a in email.utils.getaddresses([str(h)])] for h in old.get_all(name, [])]
    def parseaddr(name):
        return [email.utils.parseaddr(str(h))[1] for h in old.get_all(name, [])]
    header = new["From"]
    headers = {k: str(v) for k, v in new.items()}
    out = {
        "from": [] if header is None else [[a.display_name, a.addr_spec] for a in header.addresses],
        "readers": {n: {"default": default(n), "getaddresses": compat32(n), "parseaddr": parseaddr(n)}
                    for n in ("From", "Sender", "Return-Path")},
    }
    if "Sender" in headers:
        out["sender"] = headers["Sender"]
    return out
print(json.dumps([read(base64.b64decode(raw)) for raw in json.load(sys.stdin)]))
`;

/**
 * Each raw message's sender headers as Python's `email` reads them (policy.default and
 * compat32), in the order given: one Python process for the whole list (a process per message
 * cost ~45 ms each).
 *
 * @example
 * const [alice] = await sendersOfAll([bytes(`From: alice@agents.localhost\r\n\r\nhi`)]);
 * alice.readers.From.getaddresses; // [["alice@agents.localhost"]]
 */
export async function sendersOfAll(raws: readonly Uint8Array[]): Promise<PythonSenders[]> {
  const input = JSON.stringify(raws.map((raw) => Buffer.from(raw).toString("base64")));
  const out = await runPython(SENDERS, new TextEncoder().encode(input));
  return JSON.parse(out.toString("utf8")) as PythonSenders[];
}

/** CRLF (and bare CR) line ends as LF, for comparing decoded bodies. */
export function lf(text: string | null): string | null {
  return text === null ? null : text.replace(/\r\n?/g, "\n");
}

const V1_ERROR =
  /^<ErrorResponse xmlns="http:\/\/ses\.amazonaws\.com\/doc\/2010-12-01\/">\n {2}<Error>\n {4}<Type>(Sender|Receiver)<\/Type>\n {4}<Code>[A-Za-z]+<\/Code>\n {4}<Message>[^<]+<\/Message>\n {2}<\/Error>\n {2}<RequestId>[0-9a-f-]{36}<\/RequestId>\n<\/ErrorResponse>\n$/;

/**
 * Whether an error response is in one of SES's formats: `undefined` when it does not claim to be
 * SES (neither XML nor `x-amzn-ErrorType`), else whether it is well-formed: v1 `ErrorResponse`
 * XML, or v2 JSON `{message}` with `x-amzn-ErrorType`, each with a request id.
 */
export function sesErrorShape(response: Response, body: string): boolean | undefined {
  const type = response.headers.get("x-amzn-errortype");
  const xml = /^text\/xml/.test(response.headers.get("content-type") ?? "");
  if (type === null && !xml) return undefined;
  if (!response.headers.get("x-amzn-requestid")) return false;
  if (xml) return V1_ERROR.test(body);
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    return (
      /^[A-Za-z]+$/.test(type ?? "") &&
      Object.keys(json).join() === "message" &&
      typeof json.message === "string" &&
      json.message.length > 0
    );
  } catch {
    return false;
  }
}

/**
 * Signs a request by hand with AWS Signature Version 4, for tests that speak the wire formats
 * without an SDK (the SDK-signed tests prove the verifier agrees with AWS's signer). Signs
 * `host` and `x-amz-date` plus the given headers; `date` defaults to now.
 */
export function signedHeaders(
  url: string,
  init: {
    method?: string;
    body: string | Uint8Array;
    credentials: { accessKeyId: string; secretAccessKey: string };
    headers?: Record<string, string>;
    region?: string;
    service?: string;
    date?: Date;
  },
): Record<string, string> {
  const target = new URL(url);
  const amzDate = (init.date ?? new Date()).toISOString().replace(/[-:]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const region = init.region ?? "us-east-1";
  const service = init.service ?? "ses";
  const headers: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(init.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    ),
    host: target.host,
    "x-amz-date": amzDate,
  };
  const names = Object.keys(headers).sort();
  const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
  const hmac = (key: string | Buffer, data: string) =>
    createHmac("sha256", key).update(data).digest();
  const canonical = [
    init.method ?? "POST",
    target.pathname,
    [...target.searchParams]
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .sort()
      .join("&"),
    ...names.map((name) => `${name}:${String(headers[name]).trim()}`),
    "",
    names.join(";"),
    sha256(init.body),
  ].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  let key = hmac(`AWS4${init.credentials.secretAccessKey}`, day);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
  const signature = createHmac("sha256", key)
    .update(["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n"))
    .digest("hex");
  const { host: _host, ...sent } = headers;
  return {
    ...sent,
    authorization: `AWS4-HMAC-SHA256 Credential=${init.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
}

/**
 * Rewrites each body after the request was signed (and sets its Content-Length again), as an
 * attacker on the path would: the signature no longer covers what arrives.
 */
export function tamperAfterSigning(
  client: SESClient | SESv2Client,
  rewrite: (body: string) => string,
): void {
  stackOf(client).addRelativeTo(
    (next: (args: unknown) => Promise<unknown>) => async (args: { request: WireRequest }) => {
      const { body } = args.request;
      const text = typeof body === "string" ? body : new TextDecoder().decode(body as Uint8Array);
      const changed = rewrite(text);
      args.request.body = changed;
      for (const name of Object.keys(args.request.headers)) {
        if (name.toLowerCase() === "content-length") {
          args.request.headers[name] = String(Buffer.byteLength(changed));
        }
      }
      return next(args);
    },
    { relation: "after", toMiddleware: "httpSigningMiddleware", name: "devServerTestTamper" },
  );
}
