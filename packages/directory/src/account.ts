import {
  AgentMailError,
  DirectoryAlgorithmSchema,
  Limits,
  parseInput,
  RegisterResponseSchema,
  RevokeResponseSchema,
  Routes,
} from "@assmbl/core";
import { z } from "zod";
import type { EntryCache } from "./cache.js";
import { parseJson, SignalOptionsSchema } from "./call-helpers.js";
import type { Directory } from "./directory.js";
import { authHeaders, type DirectoryHttp, toAgentMailError } from "./http.js";
import { assertPgpyCanLoad, assertPublicKeyOnly, RegisterOptionsSchema } from "./pgpy-guard.js";

/** {@link RegisterInput}, checked. @internal */
export const RegisterInputSchema = z.strictObject({
  publicKey: z.string().min(1),
  algorithm: DirectoryAlgorithmSchema,
  keyVersion: z.int().positive(),
  ifMatchVersion: z.int().positive().nullable(),
  openpgpPublicKey: z.string().min(1).nullable(),
});

/**
 * The account calls of the directory client (see `Directory`), authenticated with its token:
 * `register` and `revoke`, each dropping the agent's cached record.
 *
 * @internal
 * @example
 * const { register } = accountCalls(http, cache);
 * await register({ publicKey, algorithm: "Ed25519", keyVersion: 1, ifMatchVersion: null, openpgpPublicKey });
 */
export function accountCalls(
  http: DirectoryHttp,
  cache: EntryCache,
): Pick<Directory, "register" | "revoke"> {
  return {
    async register(input, registerOptions) {
      const { signal, allowPgpyIncompatibleKey } =
        parseInput(RegisterOptionsSchema, registerOptions, "register options") ?? {};
      const body = parseInput(RegisterInputSchema, input, "register input");
      if (body.openpgpPublicKey !== null) {
        assertPublicKeyOnly(body.openpgpPublicKey);
        if (!allowPgpyIncompatibleKey) assertPgpyCanLoad(body.openpgpPublicKey);
      }
      const json = await postJson(
        Routes.register.path,
        {
          public_key: body.publicKey,
          algorithm: body.algorithm,
          key_version: body.keyVersion,
          if_match_version: body.ifMatchVersion,
          openpgp_public_key: body.openpgpPublicKey,
        },
        "register",
        signal,
      );
      const parsed = RegisterResponseSchema.safeParse(json);
      if (!parsed.success)
        throw new AgentMailError({
          code: "invalid_directory_response",
          message: "register: unexpected response",
        });
      await cache.delete(parsed.data.agent_id.toLowerCase());
      return {
        agentId: parsed.data.agent_id,
        keyVersion: parsed.data.key_version,
        keyFingerprintSha256: parsed.data.key_fingerprint_sha256,
      };
    },
    async revoke(revokeOptions) {
      const { signal } = parseInput(SignalOptionsSchema, revokeOptions, "revoke options") ?? {};
      const parsed = RevokeResponseSchema.safeParse(
        await postJson(Routes.revoke.path, {}, "revoke", signal),
      );
      if (!parsed.success)
        throw new AgentMailError({
          code: "invalid_directory_response",
          message: "revoke: unexpected response",
        });
      await cache.delete(parsed.data.agent_id.toLowerCase());
      return { agentId: parsed.data.agent_id, revoked: true };
    },
  };

  async function postJson(
    path: string,
    json: unknown,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    let text: string;
    try {
      text = await http.client
        .post(path.slice(1), {
          ...http.budget(Limits.jsonResponseBytes, what),
          json,
          headers: authHeaders(http, what),
          ...(signal ? { signal } : {}),
        })
        .text();
    } catch (error) {
      throw await toAgentMailError(error, what, http);
    }
    // Malformed JSON is the caller's schema check to report (invalid_directory_response), not
    // a transport failure.
    return parseJson(text);
  }
}
