import { randomBytes } from "node:crypto";
import { z } from "zod";

/**
 * The SES credentials the dev server issues to one agent: sign SES requests with them (any
 * region) and the SES endpoint sends as that agent only.
 *
 * @example
 * const { accessKeyId, secretAccessKey }: DevSesCredentials = server.agents["my-agent"].ses;
 * new SESClient({ endpoint: server.url, region: "us-east-1", credentials: { accessKeyId, secretAccessKey } });
 */
export interface DevSesCredentials {
  /** `AKIADEV` and 13 base32 characters when generated, e.g. `AKIADEVQ3XJ7KD2M5LBN`. */
  accessKeyId: string;
  /** 40 characters of `[A-Za-z0-9+/]`; never printed in an error or a request log. */
  secretAccessKey: string;
}

/** What a seeded access key id looks like: AWS's shape (upper-case letters and digits). */
export const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
/** What a seeded secret looks like: AWS's 40 characters. */
export const SECRET_ACCESS_KEY = /^[A-Za-z0-9+/]{40}$/;

/** The seed fields, checked; messages never quote the secret. */
export const sesAccessKeyIdSchema = z
  .string()
  .regex(ACCESS_KEY_ID, { error: "expected 16-128 upper-case letters or digits, e.g. AKIADEV..." });
export const sesSecretAccessKeySchema = z.string().regex(SECRET_ACCESS_KEY, {
  error: "expected 40 characters of A-Z, a-z, 0-9, + or /",
});

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * Fresh random credentials.
 *
 * @example
 * generateSesCredentials().accessKeyId; // "AKIADEV..." (20 characters)
 */
export function generateSesCredentials(): DevSesCredentials {
  const id = [...randomBytes(13)].map((byte) => BASE32[byte & 31]).join("");
  // 30 random bytes are exactly 40 base64 characters, without padding.
  return { accessKeyId: `AKIADEV${id}`, secretAccessKey: randomBytes(30).toString("base64") };
}
