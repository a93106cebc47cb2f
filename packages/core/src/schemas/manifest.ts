import { z } from "zod";

/**
 * How an attachment is encrypted: OpenPGP, ASCII-armored (spec §4).
 *
 * @example
 * ManifestEncryptionSchema.parse({ algorithm: "openpgp", format: "armored" });
 */
export const ManifestEncryptionSchema = z.object({
  algorithm: z.string().min(1),
  format: z.string().min(1),
});

/**
 * One row of the `X-AgentMail-Attachments` manifest (spec §4), as read from the wire: unknown keys
 * are dropped, `encryption` must be present exactly when `encrypted` is true.
 *
 * @example
 * ManifestRowSchema.parse({ index: 0, filename: "a.txt", content_type: "text/plain", encrypted: false });
 */
export const ManifestRowSchema = z
  .object({
    index: z.int().nonnegative(),
    filename: z.string().min(1),
    content_type: z.string().min(1),
    size: z.int().nonnegative().optional(),
    encrypted: z.boolean(),
    encryption: ManifestEncryptionSchema.optional(),
    original_filename: z.string().min(1).optional(),
    original_content_type: z.string().min(1).optional(),
    object_key: z.string().min(1).optional(),
  })
  .refine((row) => row.encrypted === (row.encryption !== undefined), {
    message: "encryption must be present exactly when encrypted is true",
    path: ["encryption"],
  });

/** One manifest row (wire keys). */
export type ManifestRow = z.output<typeof ManifestRowSchema>;

/**
 * The whole manifest: rows in MIME order with distinct indexes.
 *
 * @example
 * ManifestSchema.parse(JSON.parse(headerValue));
 */
export const ManifestSchema = z
  .array(ManifestRowSchema)
  .refine((rows) => new Set(rows.map((row) => row.index)).size === rows.length, {
    message: "attachment indexes must be distinct",
  });

/** The `encryption` object this SDK writes for OpenPGP-armored attachments. */
export const OPENPGP_ARMORED = { algorithm: "openpgp", format: "armored" } as const;
