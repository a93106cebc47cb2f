// Which user ids of a public key its owner vouches for. Anyone can append a user id packet to a
// copy of someone else's key; only the holder of the primary secret key can certify one. A
// directory that judges a key by its user ids must count only the certified ones.
import type { PublicKey } from "openpgp";
import { hardenedConfig } from "./config.js";
import { parsePublicKey } from "./key-policy.js";

/** One user id of a key and whether the key certifies it. */
export interface UserIdCertification {
  /** The user id text, as openpgp.js reads it. */
  userId: string;
  /**
   * It has a self-certification by the primary key that verifies now, under the package's
   * hardened policy (no SHA-1, MD5 or RIPEMD-160), and it is not revoked and not expired.
   */
  certified: boolean;
}

/**
 * Every user id of an armored public key, in key order, each with whether it carries a valid
 * self-certification (openpgp.js `User.verify`, the same check that decides a signer's user ids
 * when a message is decrypted). User attribute packets (photo ids) are not listed.
 *
 * @example
 * const ids = await certifiedUserIds(record.openpgpPublicKey);
 * const vouched = ids.filter((id) => id.certified).map((id) => id.userId);
 * // ["My Agent <my-agent@agents.example.com>"]
 * @throws {AgentMailError} `invalid_public_key`, `key_too_large` (as `parsePublicKey`).
 */
export async function certifiedUserIds(armored: string): Promise<UserIdCertification[]> {
  return [...(await certificationsOf(await parsePublicKey(armored)))];
}

// Parsed keys are cached (key-policy.ts), so each key's user ids are verified once.
const certifications = new WeakMap<PublicKey, Promise<readonly UserIdCertification[]>>();

/**
 * {@link certifiedUserIds} of a parsed key, cached per key: what the decryptors use to report a
 * valid signer's certified user ids.
 *
 * @internal
 * @example
 * const ids = (await certificationsOf(key)).filter((id) => id.certified);
 */
export function certificationsOf(key: PublicKey): Promise<readonly UserIdCertification[]> {
  let found = certifications.get(key);
  if (!found) {
    found = (async () => {
      const out: UserIdCertification[] = [];
      for (const user of key.users) {
        if (!user.userID) continue;
        const certified = await user.verify(undefined, hardenedConfig).then(
          () => true,
          () => false,
        );
        out.push({ userId: user.userID.userID, certified });
      }
      return Object.freeze(out);
    })();
    certifications.set(key, found);
  }
  return found;
}
