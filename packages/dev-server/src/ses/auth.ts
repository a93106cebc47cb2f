import type { Context } from "hono";
import type { DevAgent, DevStore } from "../store.js";
import { SesError } from "./errors.js";
import { parseSigV4Authorization, type SigV4Authorization, verifySigV4 } from "./sigv4.js";

/**
 * Who signed an SES request, and the region it was signed for (SES names it in refusals).
 *
 * @example
 * const { agent, region }: SesCaller = verifySesCaller(c, identifySesCaller(c, store), body);
 */
export interface SesCaller {
  agent: DevAgent;
  region: string;
}

/**
 * The first half of SES authentication, before the body is read: the `Authorization` header is
 * SigV4-shaped and its access key is one the server issued.
 *
 * @example
 * const signer = identifySesCaller(c, store); // then read the body, then verifySesCaller
 *
 * @throws {SesError} `missingAuthentication`, `incompleteSignature`, `invalidClientToken`.
 */
export function identifySesCaller(
  c: Context,
  store: DevStore,
): { auth: SigV4Authorization; agent: DevAgent } {
  // Node keeps the first of two Authorization headers and drops the second: AWS refuses both.
  const authorizations = rawHeaderValues(c, "authorization");
  if (authorizations !== undefined && authorizations.length > 1) {
    throw new SesError(
      "incompleteSignature",
      "The request has more than one Authorization header; send one.",
    );
  }
  const auth = parseSigV4Authorization(c.req.header("authorization"));
  const agent = store.agentBySesAccessKey(auth.accessKeyId);
  // Session credentials are never issued here, so a session token cannot be valid.
  if (!agent || c.req.header("x-amz-security-token") !== undefined) {
    throw new SesError(
      "invalidClientToken",
      "The security token included in the request is invalid.",
    );
  }
  return { auth, agent };
}

/**
 * The second half, once the body is read: the signature covers this request, made with the
 * agent's secret within 15 minutes of now.
 *
 * @example
 * const caller = verifySesCaller(c, signer, await readBodyLimited(c, SES_V1_BODY_LIMIT));
 *
 * @throws {SesError} `incompleteSignature`, `signatureMismatch`.
 */
export function verifySesCaller(
  c: Context,
  caller: { auth: SigV4Authorization; agent: DevAgent },
  body: Uint8Array,
  now = Date.now(),
): SesCaller {
  const url = new URL(c.req.url);
  const query = c.req.url.includes("?") ? c.req.url.slice(c.req.url.indexOf("?") + 1) : "";
  verifySigV4(
    caller.auth,
    {
      method: c.req.method,
      path: url.pathname,
      query: query.split("#")[0] ?? "",
      // SigV4 joins a repeated header's values with "," (each trimmed); Node joins with ", ".
      header: (name) =>
        rawHeaderValues(c, name)
          ?.map((value) => value.trim())
          .join(",") ?? c.req.header(name),
      body,
    },
    caller.agent.ses.secretAccessKey,
    now,
  );
  return { agent: caller.agent, region: caller.auth.region };
}

/**
 * Every value of header `name` as it arrived (Node's raw headers), or `undefined` outside Node
 * (the caller then uses the joined value).
 */
function rawHeaderValues(c: Context, name: string): string[] | undefined {
  const raw = (c.env as { incoming?: { rawHeaders?: string[] } } | undefined)?.incoming?.rawHeaders;
  if (raw === undefined) return undefined;
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === name) values.push(raw[i + 1] as string);
  }
  return values.length === 0 ? undefined : values;
}
