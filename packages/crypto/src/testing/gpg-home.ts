// A GnuPG home for this package's tests whose gpg-agent protects keys with the smallest S2K
// count. Left alone, the agent calibrates its count to ~100 ms of hashing (65011712 iterations
// here) and pays it on every key it generates, imports or exports with a passphrase and on
// every decryption with such a key, several times per test, 5-10x slower under a loaded
// machine. The count is never what these tests prove: the S2K format (iterated and salted,
// gpg's own agent protection) stays the same.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createGpgHome, type GpgHome } from "@assmbl/testing/gpg";

/** gpg-agent's minimum `--s2k-count`. */
export const GPG_AGENT_MIN_S2K_COUNT = 65536;

/**
 * `createGpgHome()`, with a gpg-agent.conf written before anything starts the agent: the agent
 * protects keys (and gpg exports them) with {@link GPG_AGENT_MIN_S2K_COUNT} iterations.
 *
 * @example
 * const gpg = await createFastGpgHome();
 * afterAll(() => gpg.cleanup());
 */
export async function createFastGpgHome(): Promise<GpgHome> {
  const gpg = await createGpgHome();
  await writeFile(join(gpg.dir, "gpg-agent.conf"), `s2k-count ${GPG_AGENT_MIN_S2K_COUNT}\n`, {
    mode: 0o600,
  });
  return gpg;
}
