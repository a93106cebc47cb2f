import type { Presigner } from "./presigner.js";
import { accessDenied } from "./s3-error.js";

/** How long a presigned upload stays valid (contract: 15 minutes). */
export const UPLOAD_URL_TTL_MS = 15 * 60 * 1000;

const ALGORITHM = "AWS4-HMAC-SHA256";
// Shaped like S3's credential scope; the dev server has one fixed "access key".
const ACCESS_KEY = "AGENTMAILDEV";
const SCOPE = "local/s3/aws4_request";
/** The fields the upload form must carry, as the server issued them (names lower-cased). */
const SIGNED_FIELDS = [
  "key",
  "content-type",
  "policy",
  "x-amz-algorithm",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-signature",
] as const;

/**
 * What a presigned upload allows: one object key, its content type, and a size limit.
 *
 * @example
 * const grant: UploadGrant = { key: "uploads/my-agent/5f0c-r.pdf", contentType: "application/pdf", maxBytes: 1024 };
 */
export interface UploadGrant {
  key: string;
  contentType: string;
  maxBytes: number;
}

/**
 * The form fields of an S3-style presigned POST for `grant`, in the order the form must send
 * them: `key`, `Content-Type`, `policy` (base64 JSON with the expiration and the conditions on
 * key, type and size), `x-amz-algorithm`, `x-amz-credential`, `x-amz-date` and
 * `x-amz-signature` (hex HMAC-SHA256 of the base64 policy). Credential and date are derived from
 * the policy's expiration, so changing either is detected without signing them separately.
 *
 * @example
 * const fields = presignUpload(presigner, { key, contentType: "text/plain", maxBytes: 10 }, new Date());
 */
export function presignUpload(
  presigner: Presigner,
  grant: UploadGrant,
  now: Date,
): Record<string, string> {
  const expiration = new Date(now.getTime() + UPLOAD_URL_TTL_MS);
  const policy = Buffer.from(
    JSON.stringify({
      expiration: expiration.toISOString(),
      conditions: [
        { key: grant.key },
        { "Content-Type": grant.contentType },
        ["content-length-range", 0, grant.maxBytes],
      ],
    }),
  ).toString("base64");
  const { date, credential } = issuedFor(expiration);
  return {
    key: grant.key,
    "Content-Type": grant.contentType,
    policy,
    "x-amz-algorithm": ALGORITHM,
    "x-amz-credential": credential,
    "x-amz-date": date,
    "x-amz-signature": presigner.sign(policy),
  };
}

/**
 * Checks the fields an upload form sent before its `file` (names lower-cased) against the policy
 * they carry, and returns what the policy allows.
 *
 * @example
 * const grant = verifyUpload(presigner, new Map([["key", key], ...]), new Date());
 * @throws {S3Error} 403 `AccessDenied` for a missing, extra or changed field, a bad signature or
 * an expired policy.
 */
export function verifyUpload(
  presigner: Presigner,
  fields: ReadonlyMap<string, string>,
  now: Date,
): UploadGrant {
  for (const name of SIGNED_FIELDS) {
    if (!fields.has(name)) {
      throw accessDenied(`Invalid according to Policy: the form has no ${name} field.`);
    }
  }
  const extra = [...fields.keys()].filter(
    (name) => !(SIGNED_FIELDS as readonly string[]).includes(name) && !name.startsWith("x-ignore-"),
  );
  if (extra.length > 0) {
    throw accessDenied(`Invalid according to Policy: Extra input fields: ${extra.join(", ")}`);
  }
  const field = (name: (typeof SIGNED_FIELDS)[number]) => fields.get(name) ?? "";
  const policyText = field("policy");
  if (!presigner.verify(policyText, field("x-amz-signature"))) {
    throw accessDenied(
      "The request signature we calculated does not match the signature you provided.",
    );
  }
  const policy = decodePolicy(policyText);
  if (now.getTime() >= policy.expiration.getTime()) {
    throw accessDenied("Invalid according to Policy: Policy expired.");
  }
  const issued = issuedFor(policy.expiration);
  if (field("x-amz-algorithm") !== ALGORITHM) {
    throw accessDenied("Invalid according to Policy: x-amz-algorithm is not the one issued.");
  }
  if (field("x-amz-date") !== issued.date || field("x-amz-credential") !== issued.credential) {
    throw accessDenied(
      "Invalid according to Policy: x-amz-date or x-amz-credential is not the one issued.",
    );
  }
  if (field("key") !== policy.key) {
    throw accessDenied('Invalid according to Policy: Policy Condition failed: ["eq", "$key"]');
  }
  if (field("content-type") !== policy.contentType) {
    throw accessDenied(
      'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type"]',
    );
  }
  return { key: policy.key, contentType: policy.contentType, maxBytes: policy.maxBytes };
}

/** The policy this server signed; anything else was caught by the signature check first. */
function decodePolicy(base64: string): UploadGrant & { expiration: Date } {
  const bad = () =>
    accessDenied("Invalid Policy: the policy document is not one this server issued.");
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(base64, "base64").toString("utf8"));
  } catch {
    throw bad();
  }
  const { expiration, conditions } = (json ?? {}) as { expiration?: unknown; conditions?: unknown };
  if (typeof expiration !== "string" || !Array.isArray(conditions)) throw bad();
  const [keyCondition, typeCondition, range] = conditions as [unknown, unknown, unknown];
  const key = (keyCondition as { key?: unknown } | undefined)?.key;
  const contentType = (typeCondition as { "Content-Type"?: unknown } | undefined)?.["Content-Type"];
  const maxBytes = Array.isArray(range) ? range[2] : undefined;
  const at = new Date(expiration);
  if (
    typeof key !== "string" ||
    typeof contentType !== "string" ||
    typeof maxBytes !== "number" ||
    Number.isNaN(at.getTime())
  ) {
    throw bad();
  }
  return { key, contentType, maxBytes, expiration: at };
}

/** `x-amz-date` (`20250101T000000Z`) and `x-amz-credential` of a policy issued to expire at `expiration`. */
function issuedFor(expiration: Date): { date: string; credential: string } {
  const issued = new Date(expiration.getTime() - UPLOAD_URL_TTL_MS);
  const date = `${issued.toISOString().replace(/[-:]/g, "").slice(0, 15)}Z`;
  return { date, credential: `${ACCESS_KEY}/${date.slice(0, 8)}/${SCOPE}` };
}
