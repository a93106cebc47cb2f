import { z } from "zod";
import { DOMAIN_NAME_PATTERN, MEDIA_TYPE_PATTERN } from "../patterns.js";

// Pieces every package's option schemas share, written once so the rule and the message a
// caller sees are the same whichever package rejects the value.

/**
 * A caller's `AbortSignal` (the `signal` option of every call that can be cancelled).
 *
 * @example
 * z.strictObject({ signal: AbortSignalSchema.optional() }).parse({ signal: AbortSignal.timeout(5_000) });
 */
export const AbortSignalSchema = z.custom<AbortSignal>(
  (value) => value instanceof AbortSignal,
  "expected an AbortSignal",
);

/**
 * A domain name such as `agents.example.com` ({@link DOMAIN_NAME_PATTERN}), e.g. a mail domain or
 * the domain of generated Message-IDs.
 *
 * @example
 * z.strictObject({ mailDomain: DomainNameSchema }).parse({ mailDomain: "agents.example.com" });
 */
export const DomainNameSchema = z
  .string()
  .regex(DOMAIN_NAME_PATTERN, "expected a domain name such as agents.example.com");

/**
 * A media type such as `application/pdf` or `text/plain; charset=utf-8`
 * ({@link MEDIA_TYPE_PATTERN}), e.g. an attachment's content type.
 *
 * @example
 * z.strictObject({ contentType: MediaTypeSchema }).parse({ contentType: "application/pdf" });
 */
export const MediaTypeSchema = z
  .string()
  .regex(MEDIA_TYPE_PATTERN, "expected a media type such as application/pdf");
