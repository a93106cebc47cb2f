import { AgentMailError } from "@assmbl/core";
import type { ApiHttp } from "./http.js";

/**
 * How the storage POST refuses a redirect. `"error"`: fetch itself refuses it (Node, Bun, Deno).
 * `"manual"`: fetch hands the redirect back and {@link storagePost} refuses it (Cloudflare Workers,
 * which reject `"error"`).
 *
 * @example
 * const mode: StorageRedirect = storageRedirectMode();
 */
export type StorageRedirect = "error" | "manual";

let detected: StorageRedirect | undefined;

/**
 * The redirect mode of the storage POST on this runtime: `"error"` where fetch takes it, else
 * `"manual"`. Probed once by constructing a `Request` with `redirect: "error"` (no request is
 * sent), since workerd rejects that mode in the `Request` constructor, synchronously, with a
 * `TypeError`. The probe is preferred to catching that error on the first upload: fetch's
 * `TypeError` also means "network error" in Node, so telling the two apart would mean matching
 * workerd's message, and the probe needs no network and runs before any body is touched.
 *
 * `"error"` is kept wherever it is accepted: with any other mode undici (Node's fetch) clones the
 * request to be able to replay it, and the clone's unread branch keeps every byte of the upload
 * (512 MiB upload: 861 MiB RSS).
 *
 * @example
 * storageRedirectMode(); // "error" on Node, "manual" on Cloudflare Workers
 * @param RequestClass the `Request` to probe (a test's stand-in); the global one's answer is
 * remembered.
 */
export function storageRedirectMode(RequestClass: typeof Request = Request): StorageRedirect {
  const global = RequestClass === globalThis.Request;
  if (global && detected) return detected;
  let mode: StorageRedirect = "error";
  try {
    new RequestClass("http://redirect-probe.invalid/", { redirect: "error" });
  } catch {
    mode = "manual";
  }
  if (global) detected = mode;
  return mode;
}

/**
 * The storage POST, with redirects refused whatever the mode: a presigned POST answers itself
 * (2xx or an error) and never redirects, so a redirect is `invalid_response`, neither followed
 * nor retried (storage would answer the same again). Under `"error"` fetch refuses it (as a bare
 * "fetch failed", named here); under `"manual"` the answer is a 3xx (Node, workerd), or, in a
 * browser, an `opaqueredirect` response with status 0: any 3xx is refused, with or without a
 * `Location`, as fetch's "error" mode does. The error is the same under both modes.
 *
 * @example
 * const response = await storagePost(http, url, "upload of attachment 0 (a.pdf)", init, storageRedirectMode());
 * @throws {AgentMailError} `invalid_response` for a redirect; fetch's own errors unchanged.
 */
export async function storagePost(
  http: ApiHttp,
  url: string,
  what: string,
  init: RequestInit,
  redirect: StorageRedirect,
): Promise<Response> {
  let response: Response;
  try {
    response = await http.fetch(url, { ...init, redirect });
  } catch (error) {
    const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
    if (error instanceof TypeError && cause?.message === "unexpected redirect") {
      throw redirected(what, error);
    }
    throw error;
  }
  if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
    await response.body?.cancel().catch(() => {});
    throw redirected(what, undefined);
  }
  return response;
}

function redirected(what: string, cause: unknown): AgentMailError {
  return new AgentMailError({
    code: "invalid_response",
    message: `${what}: storage answered with a redirect, which a presigned POST never does; it was not followed`,
    retryable: false,
    ...(cause === undefined ? {} : { cause }),
  });
}
