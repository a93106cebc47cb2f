// AWS Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html),
// verified as SES verifies it: the canonical request is rebuilt from what arrived (method, path,
// query, the signed headers, the SHA-256 of the body as received) and signed again with the
// secret the server issued for the access key. Nothing here repeats the secret or the signature.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { SesError } from "./errors.js";

/**
 * The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
 *
 * @example
 * const { accessKeyId, region }: SigV4Authorization = parseSigV4Authorization(header);
 */
export interface SigV4Authorization {
  accessKeyId: string;
  /** `yyyymmdd` of the credential scope. */
  date: string;
  region: string;
  service: string;
  /** Lower-case header names, as listed (`;`-separated on the wire). */
  signedHeaders: string[];
  /** 64 lower-case hex digits. */
  signature: string;
}

/**
 * What arrived, as the verifier needs it.
 *
 * @example
 * const request: SigV4Request = { method: "POST", path: "/", query: "", header: (n) => c.req.header(n), body };
 */
export interface SigV4Request {
  method: string;
  /** The path as sent (percent-encoded), without the query. */
  path: string;
  /** The query as sent, without `?` (`""` for none). */
  query: string;
  header(name: string): string | undefined;
  body: Uint8Array;
}

/** SES signs as `ses` (SDK v3 `SESClient` and `SESv2Client`); `email` is its endpoint prefix. */
export const SES_SIGNING_NAMES = ["ses", "email"] as const;
/** How far `x-amz-date` may be from the server's clock, as AWS allows. */
export const SIGV4_MAX_SKEW_MS = 15 * 60 * 1000;

const SCHEME = /^AWS4-HMAC-SHA256\s+(.*)$/s;
const CREDENTIAL = /^([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Splits an `Authorization` header into its SigV4 parts; the value is never quoted back.
 *
 * @example
 * parseSigV4Authorization("AWS4-HMAC-SHA256 Credential=AKIADEV.../20260101/us-east-1/ses/aws4_request, SignedHeaders=host;x-amz-date, Signature=...").region; // "us-east-1"
 * @throws {SesError} `missingAuthentication` without the header, `incompleteSignature` when it
 * is not `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
 */
export function parseSigV4Authorization(header: string | undefined): SigV4Authorization {
  if (header === undefined || header.trim() === "") {
    throw new SesError("missingAuthentication", "Request is missing Authentication Token");
  }
  const params = SCHEME.exec(header.trim())?.[1];
  if (params === undefined) {
    throw new SesError(
      "incompleteSignature",
      "Authorization header must use the AWS4-HMAC-SHA256 scheme (AWS Signature Version 4); sign the request with an AWS SDK and the SES credentials the dev server issued",
    );
  }
  const fields = new Map<string, string>();
  for (const part of params.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    // AWS refuses a repeated parameter rather than pick one of them.
    if (fields.has(name)) {
      throw new SesError(
        "incompleteSignature",
        `Authorization header has the '${name}' parameter more than once.`,
      );
    }
    fields.set(name, part.slice(eq + 1).trim());
  }
  const missing = ["Credential", "SignedHeaders", "Signature"].filter((name) => !fields.get(name));
  if (missing.length > 0) {
    throw new SesError(
      "incompleteSignature",
      missing.map((name) => `Authorization header requires '${name}' parameter.`).join(" "),
    );
  }
  const credential = CREDENTIAL.exec(fields.get("Credential") ?? "");
  if (!credential) {
    throw new SesError(
      "incompleteSignature",
      "Authorization header's Credential must be <access key id>/<yyyymmdd>/<region>/<service>/aws4_request.",
    );
  }
  const signature = fields.get("Signature") ?? "";
  const signedHeaders = (fields.get("SignedHeaders") ?? "").split(";");
  if (
    !/^[0-9a-f]{64}$/.test(signature) ||
    signedHeaders.some((name) => !/^[a-z0-9-]+$/.test(name))
  ) {
    throw new SesError(
      "incompleteSignature",
      "Authorization header's Signature must be 64 lower-case hex digits and SignedHeaders lower-case header names separated by ';'.",
    );
  }
  const [, accessKeyId = "", date = "", region = "", service = ""] = credential;
  return { accessKeyId, date, region, service, signedHeaders, signature };
}

/**
 * Checks a request's SigV4 signature against `secret`, and its `x-amz-date` against `now`.
 *
 * @example
 * verifySigV4(authorization, request, secretAccessKey, Date.now());
 * @throws {SesError} `incompleteSignature` (no signed `host` or `x-amz-date`, a scope date that is
 * not the request's), `signatureMismatch` (wrong service, a signature that does not match,
 * `x-amz-date` more than 15 minutes off: "Signature expired").
 */
export function verifySigV4(
  auth: SigV4Authorization,
  request: SigV4Request,
  secret: string,
  now: number,
): void {
  for (const name of ["host", "x-amz-date"]) {
    if (!auth.signedHeaders.includes(name)) {
      throw new SesError(
        "incompleteSignature",
        `'${name}' must be a 'SignedHeader' in the AWS Authorization.`,
      );
    }
  }
  const amzDate = request.header("x-amz-date")?.trim() ?? "";
  const parts = AMZ_DATE.exec(amzDate);
  if (!parts) {
    throw new SesError(
      "incompleteSignature",
      "Date must be in ISO-8601 'basic format' (yyyyMMdd'T'HHmmss'Z') in the X-Amz-Date header.",
    );
  }
  if (amzDate.slice(0, 8) !== auth.date) {
    throw new SesError(
      "signatureMismatch",
      `Credential should be scoped to a valid date: the request's date is ${amzDate.slice(0, 8)}.`,
    );
  }
  if (!(SES_SIGNING_NAMES as readonly string[]).includes(auth.service)) {
    throw new SesError(
      "signatureMismatch",
      "Credential should be scoped to correct service: 'ses'.",
    );
  }
  const [, y, mo, d, h, mi, s] = parts.map(Number);
  const signedAt = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
  if (Number.isNaN(signedAt) || Math.abs(now - signedAt) > SIGV4_MAX_SKEW_MS) {
    const format = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
    throw new SesError(
      "signatureMismatch",
      `Signature expired: ${amzDate} is now ${signedAt < now ? "earlier" : "later"} than ${format(
        signedAt < now ? now - SIGV4_MAX_SKEW_MS : now + SIGV4_MAX_SKEW_MS,
      )} (${format(now)} ${signedAt < now ? "-" : "+"} 15 min.)`,
    );
  }
  const bodyHash = sha256Hex(request.body);
  const declared = request.header("x-amz-content-sha256");
  if (declared !== undefined && declared.trim() !== bodyHash) {
    throw new SesError(
      "signatureMismatch",
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
  const canonical = [
    request.method.toUpperCase(),
    canonicalPath(request.path),
    canonicalQuery(request.query),
    ...auth.signedHeaders.map(
      (name) => `${name}:${(request.header(name) ?? "").trim().replace(/\s+/g, " ")}`,
    ),
    "",
    auth.signedHeaders.join(";"),
    bodyHash,
  ].join("\n");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonical)].join("\n");
  let key: Buffer = hmac(`AWS4${secret}`, auth.date);
  for (const part of [auth.region, auth.service, "aws4_request"]) key = hmac(key, part);
  const expected = hmac(key, stringToSign);
  const given = Buffer.from(auth.signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new SesError(
      "signatureMismatch",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
}

/** RFC 3986 encoding as SigV4 uses it (`!'()*` too). */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Non-S3 services encode the (already encoded) path once more, segment by segment. */
function canonicalPath(path: string): string {
  return path === "" ? "/" : path.split("/").map(rfc3986).join("/");
}

function canonicalQuery(query: string): string {
  if (query === "") return "";
  const pairs = query.split("&").map((pair) => {
    const eq = pair.indexOf("=");
    const [key, value] = eq < 0 ? [pair, ""] : [pair.slice(0, eq), pair.slice(eq + 1)];
    return [rfc3986(decode(key)), rfc3986(decode(value))] as const;
  });
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([key, value]) => `${key}=${value}`).join("&");
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}
