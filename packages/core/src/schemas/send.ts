import { z } from "zod";
import { SendUsageSchema } from "./billing.js";

/**
 * An attachment reference in `POST /send`: bytes already in platform storage.
 *
 * @example
 * SendAttachmentRefSchema.parse({ object_key: "uploads/a/1-r.pdf.asc", filename: "r.pdf.asc", content_type: "application/pgp-encrypted" });
 */
export const SendAttachmentRefSchema = z.strictObject({
  object_key: z.string().min(1),
  filename: z.string().min(1),
  content_type: z.string().min(1),
});

/**
 * `POST /send` request (spec §5.1). Strict: a server rejects fields it does not know.
 *
 * @example
 * SendRequestSchema.parse({ to: "b@agents.example.com", subject: "hi", body: "hello" });
 */
export const SendRequestSchema = z.strictObject({
  to: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  cc: z.array(z.string().min(1)).default([]),
  bcc: z.array(z.string().min(1)).default([]),
  reply_to: z.array(z.string().min(1)).optional(),
  subject: z.string(),
  body: z.string(),
  html: z.string().nullable().default(null),
  headers: z.record(z.string(), z.string()).default({}),
  attachments: z.array(SendAttachmentRefSchema).default([]),
  correlation_id: z.string().min(1).nullable().default(null),
  idempotency_key: z.string().min(1).nullable().default(null),
  marketplace_request_id: z.string().min(1).nullable().default(null),
  usage: SendUsageSchema.nullable().default(null),
});

/** A `POST /send` request body. */
export type SendRequest = z.input<typeof SendRequestSchema>;

/**
 * `POST /send` response.
 *
 * @example
 * SendResponseSchema.parse({ message_id: "m1", correlation_id: "c1", idempotency_key: null, reservation_key: null });
 */
export const SendResponseSchema = z.object({
  message_id: z.string().min(1),
  correlation_id: z.string().nullable().optional(),
  idempotency_key: z.string().nullable().optional(),
  reservation_key: z.string().nullable().optional(),
  /**
   * (ours) What became of each recipient, where the server says: the dev server answers
   * `delivered` (a local inbox), `outbound` (a domain it does not serve; kept in its outbound
   * list) or `unknown_agent` (no such agent on its domain). Other statuses are passed on as given.
   */
  recipients: z
    .array(z.object({ address: z.string().min(1), status: z.string().min(1) }))
    .optional(),
  /**
   * (ours) What a send with `marketplace_request_id` did to billing: `reserved` (a buyer's
   * request reached a seller with pricing), `settled` (a seller's reply; `charge` in the
   * seller's currency), `not_settled` (a reply with no open reservation between the two).
   */
  marketplace: z
    .object({ status: z.string().min(1).max(64), charge: z.number().finite().min(0).optional() })
    .optional(),
});

/**
 * `POST /attachments/uploads` request (ours).
 *
 * @example
 * UploadRequestSchema.parse({ file_name: "r.pdf.asc", content_type: "application/pgp-encrypted", max_bytes: 1048576 });
 */
export const UploadRequestSchema = z.strictObject({
  file_name: z.string().min(1).max(255),
  content_type: z.string().min(1),
  max_bytes: z.int().positive(),
});

/**
 * `POST /attachments/uploads` response (ours): an S3-style presigned POST.
 *
 * @example
 * UploadResponseSchema.parse({ object_key: "uploads/a/k", upload: { url: "https://...", fields: { key: "uploads/a/k" } } });
 */
export const UploadResponseSchema = z.object({
  object_key: z.string().min(1),
  upload: z.object({ url: z.string().min(1), fields: z.record(z.string(), z.string()) }),
});

/**
 * `POST /attachments/downloads` request (ours).
 *
 * @example
 * DownloadRequestSchema.parse({ object_key: "uploads/a/k" });
 */
export const DownloadRequestSchema = z.strictObject({ object_key: z.string().min(1) });

/**
 * A presigned download, from `POST /attachments/downloads` or
 * `POST /messages/{id}/attachments/{index}/download` (ours).
 *
 * @example
 * DownloadResponseSchema.parse({ url: "https://..." });
 */
export const DownloadResponseSchema = z.object({ url: z.string().min(1) });

/**
 * The body of every non-2xx response (spec §5.2).
 *
 * @example
 * ErrorBodySchema.parse({ error: "rate_limited", message: "slow down" });
 */
export const ErrorBodySchema = z.object({
  error: z.string().min(1),
  message: z.string().optional(),
});
