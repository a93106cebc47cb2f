import type { Context } from "hono";
import { SesError } from "./errors.js";

// `AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/ses/aws4_request, SignedHeaders=host;x-amz-date, Signature=<hex>`
const SCHEME = /^AWS4-HMAC-SHA256\s+(.*)$/s;
const CREDENTIAL = /^[^/\s]+\/\d{8}\/[^/\s]+\/[^/\s]+\/aws4_request$/;

/**
 * Checks that the request carries an `Authorization` header shaped like AWS Signature Version 4.
 * The signature itself is not verified: any credentials are accepted, as a local stand-in for
 * SES should. The header's value is never repeated in an answer.
 *
 * @throws {SesError} `missingAuthentication` without the header; `incompleteSignature` when it
 * is not `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
 */
export function requireSigV4(c: Context): void {
  const header = c.req.header("authorization");
  if (header === undefined || header.trim() === "") {
    throw new SesError("missingAuthentication", "Request is missing Authentication Token");
  }
  const params = SCHEME.exec(header.trim())?.[1];
  if (params === undefined) {
    throw new SesError(
      "incompleteSignature",
      "Authorization header must use the AWS4-HMAC-SHA256 scheme (AWS Signature Version 4); sign the request with an AWS SDK and any credentials",
    );
  }
  const fields = new Map<string, string>();
  for (const part of params.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ["Credential", "SignedHeaders", "Signature"].filter((name) => !fields.get(name));
  if (missing.length > 0) {
    throw new SesError(
      "incompleteSignature",
      missing.map((name) => `Authorization header requires '${name}' parameter.`).join(" "),
    );
  }
  if (!CREDENTIAL.test(fields.get("Credential") ?? "")) {
    throw new SesError(
      "incompleteSignature",
      "Authorization header's Credential must be <access key id>/<yyyymmdd>/<region>/<service>/aws4_request.",
    );
  }
}
