// Is this text a public key and nothing else? A directory record's `openpgp_public_key` is
// published to every agent: a private key pasted there by mistake must never leave the caller.
import { armorLabels, readArmor } from "./armor.js";
import { readPackets } from "./packets.js";

const PUBLIC_KEY_BLOCK = "PUBLIC KEY BLOCK";
const SECRET_KEY_TAGS = new Set([5, 7]);

/**
 * Why `text` is not only an armored OpenPGP public key, or `undefined` when it is: every armored
 * block in it must be a `PUBLIC KEY BLOCK`, and none may hold a secret-key packet (tag 5 or 7,
 * whatever its label says). A block whose packets cannot be read cannot be checked, so it counts
 * as not public. The answer never quotes the text. Never throws.
 *
 * @example
 * publicKeyBlockProblem(keys.privateKeyArmored); // "it is a PGP PRIVATE KEY BLOCK, not a public key"
 * publicKeyBlockProblem(keys.publicKeyArmored); // undefined
 */
export function publicKeyBlockProblem(text: string): string | undefined {
  if (typeof text !== "string") return "it is not a string";
  const labels = armorLabels(text);
  const other = labels.find((label) => label !== PUBLIC_KEY_BLOCK);
  if (other !== undefined) {
    return /^[A-Z0-9 ,]{1,40}$/.test(other)
      ? `it ${labels.length > 1 ? "holds" : "is"} a PGP ${other}, not a public key`
      : "it holds an armored block that is not a public key";
  }
  // A private key block that is not on lines of its own (indented, quoted) is still one.
  if (/BEGIN PGP (PRIVATE|SECRET) KEY/.test(text)) return "it holds a PGP PRIVATE KEY BLOCK";
  if (labels.length === 0) {
    return "it is not ASCII-armored (no -----BEGIN PGP PUBLIC KEY BLOCK----- line)";
  }
  const lines = text.split("\n");
  const starts = lines.flatMap((line, index) =>
    line.startsWith("-----BEGIN PGP ") ? [index] : [],
  );
  for (const start of starts) {
    const armor = readArmor(lines.slice(start).join("\n"));
    if (!armor.ok)
      return `its armor cannot be read (${armor.problem}), so it cannot be checked for private key material`;
    const packets = readPackets(armor.value.bytes);
    if (!packets.ok)
      return `its packets cannot be read (${packets.problem}), so they cannot be checked for private key material`;
    if (packets.value.some((packet) => SECRET_KEY_TAGS.has(packet.tag))) {
      return "it holds a secret-key packet (private key material) under a PUBLIC KEY BLOCK label";
    }
  }
  return undefined;
}
