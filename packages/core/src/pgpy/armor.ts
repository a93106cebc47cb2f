// pgpy/types.py Armorable: is_ascii() decides between armor and binary, then one regular
// expression must match the first armored block, and base64.b64decode must accept its body.
import { readArmor } from "../openpgp/armor.js";
import type { Report } from "./report.js";

/**
 * The packets of the first armored block of `text` as PGPy reads them, or `undefined` after
 * adding to `report` why PGPy would not get that far.
 *
 * @example
 * const bytes = pgpyArmor(armored, report);
 */
export function pgpyArmor(text: string, report: Report): Uint8Array | undefined {
  if (!/^[\x20-\x7e\r\n\t]*$/.test(text)) {
    report.add(
      "the armored text has non-ASCII or control characters: PGPy then reads it as binary and fails",
    );
    return undefined;
  }
  const armor = readArmor(text);
  if (!armor.ok) {
    report.add(`the armor is malformed: ${armor.problem}`);
    return undefined;
  }
  const { label, headers, bodyLines, checksum } = armor.value;
  if (!label.includes("KEY")) report.add(`the armor holds a PGP ${label}, not a key`);
  for (const header of headers) {
    if (!/^.+: .+$/.test(header))
      report.add(
        `the armor header "${header.slice(0, 40)}" is not "Name: value", which PGPy's armor parser requires`,
      );
  }
  if (bodyLines.some((line) => !/^[A-Za-z0-9+/]{1,76}={0,2}$/.test(line))) {
    report.add("the armor has lines longer than 76 characters, which PGPy's armor parser rejects");
  }
  const characters = bodyLines.reduce((sum, line) => sum + line.length, 0);
  if (characters % 4 !== 0) {
    report.add(
      `the armored body has ${characters} base64 characters, not a multiple of 4 (its padding is missing): PGPy's base64 decoder refuses it (Incorrect padding)`,
    );
  }
  if (checksum === "missing") {
    report.add(
      "the armor has no CRC-24 checksum line, which PGPy 0.6 requires (openpgp.js omits it for v6 keys)",
    );
  }
  return report.problems.length === 0 ? armor.value.bytes : undefined;
}
