import type { Presigner } from "./presigner.js";
import { accessDenied } from "./s3-error.js";

/** Where the storage GETs live; `/_storage/...` is no AgentMail API path. */
export const STORAGE_PREFIX = "/_storage/";
/** The presigned upload form posts here. */
export const STORAGE_UPLOAD_PATH = `${STORAGE_PREFIX}upload`;
/** Presigned downloads are `GET <prefix><encoded key>?expires=...&signature=...`. */
export const STORAGE_OBJECTS_PREFIX = `${STORAGE_PREFIX}objects/`;
/** How long a presigned download stays valid. */
export const DOWNLOAD_URL_TTL_MS = 15 * 60 * 1000;

/**
 * A presigned GET of `key`: `<origin>/_storage/objects/<key, each segment percent-encoded>
 * ?expires=<unix seconds>&signature=<hex HMAC of method, key and expiry>`.
 *
 * @example
 * presignDownload(presigner, "http://127.0.0.1:8025", "uploads/a/1-r.pdf", new Date());
 */
export function presignDownload(
  presigner: Presigner,
  origin: string,
  key: string,
  now: Date,
): string {
  const expires = Math.floor((now.getTime() + DOWNLOAD_URL_TTL_MS) / 1000);
  const path = key.split("/").map(encodeURIComponent).join("/");
  const signature = presigner.sign(downloadStringToSign(key, expires));
  return `${origin}${STORAGE_OBJECTS_PREFIX}${path}?expires=${expires}&signature=${signature}`;
}

/**
 * The object key of a storage GET path (the part after the objects prefix, percent-decoded per
 * segment), or `undefined` when it does not decode.
 *
 * @example
 * objectKeyOfPath("uploads/a/1-r%C3%A9.pdf"); // "uploads/a/1-ré.pdf"
 */
export function objectKeyOfPath(encoded: string): string | undefined {
  try {
    return encoded.split("/").map(decodeURIComponent).join("/");
  } catch {
    return undefined;
  }
}

/**
 * Checks a presigned GET's query against its key.
 *
 * @example
 * verifyDownload(presigner, key, new URL(request.url).searchParams, new Date());
 * @throws {S3Error} 403 `AccessDenied` for a missing or changed expiry or signature, or an expired URL.
 */
export function verifyDownload(
  presigner: Presigner,
  key: string,
  query: URLSearchParams,
  now: Date,
): void {
  const expires = query.get("expires") ?? "";
  const signature = query.get("signature") ?? "";
  if (
    !/^\d{1,12}$/.test(expires) ||
    !presigner.verify(downloadStringToSign(key, Number(expires)), signature)
  ) {
    throw accessDenied(
      "The request signature we calculated does not match the signature you provided.",
    );
  }
  if (now.getTime() >= Number(expires) * 1000) throw accessDenied("Request has expired");
}

function downloadStringToSign(key: string, expires: number): string {
  return `GET\n${key}\n${expires}`;
}
