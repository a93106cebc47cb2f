// What repairKeyForPgpy does with the parts of a key it must not re-sign: revoked user IDs and
// subkeys (a certification dated now would be newer than a user ID's revocation, and GnuPG
// would show the user ID valid again). They are kept as they are when PGPy can use the key with
// them, and left out when it cannot; so are expired subkeys PGPy would encrypt to.
import { pgpyKeyProblems } from "@assmbl/core";
import { config as defaultConfig, type PrivateKey } from "openpgp";
import { hardenedConfig } from "./config.js";

type User = PrivateKey["users"][number];
type Subkey = PrivateKey["subkeys"][number];

/** The user IDs and subkeys of a key that repair may have to leave out. */
export interface DroppableParts {
  /** Revoked user IDs and subkeys: never re-signed. */
  revoked: Set<User | Subkey>;
  /** In the order to try keeping them: revoked user IDs, revoked subkeys, expired subkeys. */
  candidates: (User | Subkey)[];
}

/**
 * The revoked user IDs and subkeys of `key` (a revocation signature that verifies, with
 * openpgp.js's defaults, now) and its expired subkeys.
 *
 * @example
 * const parts = await droppableParts(key);
 */
export async function droppableParts(key: PrivateKey): Promise<DroppableParts> {
  const now = new Date();
  const revokedUsers = await filterAsync(key.users, (user) =>
    user.revocationSignatures.length === 0
      ? Promise.resolve(false)
      : user.isRevoked(null as never, null as never, now, defaultConfig),
  );
  const revokedSubkeys = await filterAsync(key.subkeys, (subkey) =>
    subkey.revocationSignatures.length === 0
      ? Promise.resolve(false)
      : subkey.isRevoked(null as never, null as never, now, defaultConfig),
  );
  const expiredSubkeys = await filterAsync(key.subkeys, async (subkey) => {
    if (revokedSubkeys.includes(subkey)) return false;
    const expires = await subkey.getExpirationTime(now, defaultConfig).catch(() => null);
    return expires instanceof Date && expires.getTime() <= now.getTime();
  });
  return {
    revoked: new Set([...revokedUsers, ...revokedSubkeys]),
    candidates: [...revokedUsers, ...revokedSubkeys, ...expiredSubkeys],
  };
}

/** The repaired key with as many of the candidates kept as PGPy allows. */
export interface KeptOrDropped {
  armored: { privateKeyArmored: string; publicKeyArmored: string };
  dropped: { droppedUserIds: string[]; droppedSubkeyIds: string[] };
  /** What PGPy still cannot use, with the parts dropped: empty when the repair worked. */
  problems: string[];
}

/**
 * Armors the (re-signed) key, keeping every candidate when PGPy can use the key that way;
 * otherwise leaving them all out, then putting back each one PGPy can still use the key with.
 *
 * @example
 * const { armored, dropped, problems } = keepOrDrop(key, parts);
 */
export function keepOrDrop(key: PrivateKey, parts: DroppableParts): KeptOrDropped {
  const tryWithout = (dropped: ReadonlySet<User | Subkey>) => {
    const armored = armoredWithout(key, dropped);
    return { armored, problems: pgpyKeyProblems(armored.privateKeyArmored) };
  };
  let dropped = new Set<User | Subkey>();
  let attempt = tryWithout(dropped);
  if (attempt.problems.length > 0 && parts.candidates.length > 0) {
    dropped = new Set(parts.candidates);
    for (const part of parts.candidates) {
      dropped.delete(part);
      if (tryWithout(dropped).problems.length > 0) dropped.add(part);
    }
    attempt = tryWithout(dropped);
  }
  const droppedUserIds = key.users.flatMap((user) =>
    dropped.has(user) ? [user.userID?.userID ?? "a user attribute"] : [],
  );
  const droppedSubkeyIds = key.subkeys.flatMap((subkey) =>
    dropped.has(subkey) ? [subkey.getKeyID().toHex()] : [],
  );
  return { ...attempt, dropped: { droppedUserIds, droppedSubkeyIds } };
}

function armoredWithout(key: PrivateKey, dropped: ReadonlySet<User | Subkey>) {
  const { users, subkeys } = key;
  key.users = users.filter((user) => !dropped.has(user));
  key.subkeys = subkeys.filter((subkey) => !dropped.has(subkey));
  try {
    return {
      privateKeyArmored: key.armor(hardenedConfig),
      publicKeyArmored: key.toPublic().armor(hardenedConfig),
    };
  } finally {
    key.users = users;
    key.subkeys = subkeys;
  }
}

async function filterAsync<T>(items: readonly T[], test: (item: T) => Promise<boolean>) {
  const results = await Promise.all(items.map((item) => test(item).catch(() => false)));
  return items.filter((_, index) => results[index]);
}
