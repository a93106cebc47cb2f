import { Limits } from "@assmbl/core";
import type { Context, Hono } from "hono";
import { parseJsonBytes } from "../http/json-body.js";
import { logServerError } from "../http/problem.js";
import { BodyReadError, mediaType, readBodyLimited } from "../http/read-body.js";
import type { SesContext } from "./accept.js";
import { identifySesCaller, verifySesCaller } from "./auth.js";
import { newRequestId, type SesDialect, SesError, sesErrorResponse } from "./errors.js";
import { handleQueryAction } from "./query.js";
import { getAccountV2, sendEmailV2 } from "./v2.js";

/** Where an `SESClient` (query API) posts: the server's root, with a form body. */
export const SES_V1_PATH = "/";
/** Where an `SESv2Client` sends `SendEmailCommand`. */
export const SES_V2_SEND_PATH = "/v2/email/outbound-emails";
/** Where an `SESv2Client` sends `GetAccountCommand` (GET). */
export const SES_V2_ACCOUNT_PATH = "/v2/email/account";
/** Every other v2 operation lives under this prefix; the dev server answers them 404. */
const SES_V2_PREFIX = "/v2/email/";

const base64Length = (bytes: number) => 4 * Math.ceil(bytes / 3);
/**
 * Request body limits, large enough to read a message just over its API's limit and answer SES's
 * error for it: v1 allows for every base64 character percent-encoded (3 bytes each), v2 for JSON
 * that escapes `/` as `\/`; 1 MiB more for the other fields.
 */
export const SES_V1_BODY_LIMIT = 3 * base64Length(Limits.sesV1MessageBytes) + 1024 * 1024;
export const SES_V2_BODY_LIMIT = 2 * base64Length(Limits.sesV2MessageBytes) + 1024 * 1024;

const FORM = "application/x-www-form-urlencoded";

/**
 * Mounts the SES-compatible endpoint: `POST /` with a form body (v1 query API: SendRawEmail,
 * SendEmail, GetSendQuota) and `/v2/email/*` (v2 REST: SendEmail with raw content, GetAccount).
 * Every answer,
 * errors included, is in SES's format; a `POST /` with another content type is not SES and falls
 * through to the app's 404.
 */
export function mountSesRoutes(app: Hono, context: SesContext): void {
  app.post(SES_V1_PATH, async (c) => {
    if (mediaType(c.req.header("content-type")) !== FORM) return c.notFound();
    const requestId = newRequestId();
    try {
      const signer = identifySesCaller(c, context.store);
      const bytes = await readBodyLimited(c, SES_V1_BODY_LIMIT);
      const caller = verifySesCaller(c, signer, bytes);
      c.set("agentId", caller.agent.agentId);
      const params = new URLSearchParams(new TextDecoder().decode(bytes));
      return await handleQueryAction(c, context, params, requestId, caller);
    } catch (error) {
      return failure(c, "v1", error, requestId);
    }
  });

  app.all(`${SES_V2_PREFIX}*`, async (c) => {
    const requestId = newRequestId();
    try {
      const signer = identifySesCaller(c, context.store);
      // Signed over the body, so the body is read (under its cap) before anything is answered.
      const bytes = await readBodyLimited(c, SES_V2_BODY_LIMIT);
      const caller = verifySesCaller(c, signer, bytes);
      c.set("agentId", caller.agent.agentId);
      if (c.req.method === "GET" && c.req.path === SES_V2_ACCOUNT_PATH) {
        return c.json(getAccountV2(context), 200, { "x-amzn-RequestId": requestId });
      }
      if (c.req.method !== "POST" || c.req.path !== SES_V2_SEND_PATH) {
        throw new SesError(
          "unknownOperation",
          `The dev server's SES v2 endpoint implements SendEmail (POST ${SES_V2_SEND_PATH}) and GetAccount (GET ${SES_V2_ACCOUNT_PATH}) only.`,
        );
      }
      const type = mediaType(c.req.header("content-type"));
      if (type !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
        throw new SesError(
          "invalidParameter",
          "The request body must be JSON (Content-Type: application/json).",
        );
      }
      return c.json(sendEmailV2(context, parseJson(bytes), caller), 200, {
        "x-amzn-RequestId": requestId,
      });
    } catch (error) {
      return failure(c, "v2", error, requestId);
    }
  });
}

// The API's JSON reader (strict UTF-8, a nesting limit): a v2 body nested thousands deep would
// otherwise overflow the stack of the validation that walks it.
function parseJson(bytes: Uint8Array): unknown {
  if (new TextDecoder().decode(bytes).trim() === "") {
    throw new SesError("invalidParameter", "The request body is empty.");
  }
  const parsed = parseJsonBytes(bytes);
  if (!parsed.ok) throw new SesError("invalidParameter", `The request body ${parsed.problem}.`);
  return parsed.value;
}

/** Any failure in SES's format: refusals as such, anything unexpected as a 500 that says nothing. */
function failure(c: Context, dialect: SesDialect, error: unknown, requestId: string): Response {
  let refusal: SesError;
  if (error instanceof SesError) refusal = error;
  else if (error instanceof BodyReadError) {
    refusal =
      error.reason === "too_large"
        ? new SesError(
            "requestTooLarge",
            `The request body is larger than the limit of ${error.limitBytes} bytes.`,
          )
        : new SesError("invalidParameter", "The request body could not be read to its end.");
  } else {
    logServerError(error);
    refusal = new SesError(
      "internalFailure",
      "The dev server's SES endpoint failed unexpectedly; see its console.",
    );
  }
  return sesErrorResponse(c, dialect, refusal, requestId);
}
