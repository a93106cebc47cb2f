import { parseAddress } from "./address.js";

/**
 * The address an OpenPGP user id names: the addr-spec of `Name <addr>`, or a bare address,
 * lower-cased; `undefined` when it names none, or names one ambiguously. A user id with a
 * second `<` or `>` (`"x <bob@x>" <alice@x>`), unbalanced brackets, or an `@` outside the
 * brackets names nobody: readers pick different addresses out of it, so a key that one reader
 * binds to alice could be bound to bob by another.
 *
 * The directory decides with it that a registered key names its agent, and the SDK that a
 * signer's key names the sender: both must read a user id the same way.
 *
 * @example
 * userIdAddress("My Agent <My-Agent@agents.localhost>"); // "my-agent@agents.localhost"
 * userIdAddress("bot@agents.localhost"); // "bot@agents.localhost"
 * userIdAddress('"x <bob@x.example>" <alice@x.example>'); // undefined
 */
export function userIdAddress(userId: string): string | undefined {
  if (typeof userId !== "string") return undefined;
  const opens = userId.split("<").length - 1;
  const closes = userId.split(">").length - 1;
  if (opens > 1 || closes > 1 || opens !== closes) return undefined;
  if (opens === 1 && /@/.test(userId.replace(/<[^<>]*>\s*$/, ""))) return undefined;
  const angle = /<([^<>]*)>\s*$/.exec(userId)?.[1];
  const candidate = (angle ?? userId).trim();
  try {
    return parseAddress(candidate).address.toLowerCase();
  } catch {
    return undefined;
  }
}
