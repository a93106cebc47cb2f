import { z } from "zod";

/**
 * The AgentMail API's base URL (`AGENTMAIL_API_BASE_URL`) as every client option takes it: an
 * http(s) URL.
 *
 * @example
 * z.strictObject({ baseUrl: ApiBaseUrlSchema }).parse({ baseUrl: "https://api.example.com" });
 */
export const ApiBaseUrlSchema = z
  .url({ protocol: /^https?$/, error: "expected an http(s) URL" })
  // Routes are joined onto the base URL's path: a query or fragment would swallow them (and a
  // query would be sent, and logged, with every call), credentials belong in `token`.
  .refine((value) => {
    // Runs after a failed URL check too (zod reports every issue): nothing more to say then.
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return url.search === "" && url.hash === "" && url.username === "" && url.password === "";
  }, "expected a base URL without query, fragment or credentials");

/**
 * A bearer token (`AGENTMAIL_TOKEN`) as every client option takes it. It travels in an
 * `Authorization` header, so printable ASCII only; the message never shows the token.
 *
 * @example
 * z.strictObject({ token: ApiTokenSchema }).parse({ token: process.env.AGENTMAIL_TOKEN });
 */
export const ApiTokenSchema = z
  .string()
  .regex(
    /^[\x21-\x7e]+$/,
    "expected a token of printable ASCII, without spaces or control characters",
  );
