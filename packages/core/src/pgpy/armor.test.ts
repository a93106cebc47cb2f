// PGPy's armor rules (pgpy/types.py Armorable), on GENERATED_ECC armored in different ways.
import { describe, expect, it } from "vitest";
import { pgpyKeyProblems } from "../pgpy-compat.js";
import { armored, dearmored, GENERATED_ECC } from "../testing/openpgp-fixtures.js";

describe("armor rules (pgpy/types.py Armorable)", () => {
  const packets = dearmored(GENERATED_ECC.armored);
  it.each([
    [
      "no checksum line",
      armored(packets, "PUBLIC KEY BLOCK", { checksum: false }),
      /no CRC-24 checksum line/,
    ],
    [
      "80-character lines",
      armored(packets, "PUBLIC KEY BLOCK", { lineLength: 80 }),
      /longer than 76 characters/,
    ],
    [
      "a header without a value",
      armored(packets, "PUBLIC KEY BLOCK", { headers: ["Comment:"] }),
      /is not "Name: value"/,
    ],
    [
      "a non-ASCII header",
      armored(packets, "PUBLIC KEY BLOCK", { headers: ["Comment: Grüße"] }),
      /non-ASCII/,
    ],
    ["a message, not a key", armored(packets, "MESSAGE"), /holds a PGP MESSAGE, not a key/],
    ["a damaged body", GENERATED_ECC.armored.replace("xjMEaw", "xjMEbw"), /damaged/],
    ["no armor", "not a key", /no -----BEGIN PGP/],
  ])("%s", (_label, text, problem) => {
    expect(pgpyKeyProblems(text).join("\n")).toMatch(problem);
  });

  it("76-character lines and ASCII headers are fine", () => {
    expect(
      pgpyKeyProblems(
        armored(packets, "PUBLIC KEY BLOCK", {
          lineLength: 76,
          headers: ["Comment: made by tests"],
        }),
      ),
    ).toEqual([]);
  });
});

describe("base64 padding and the END line, as PGPy reads them", () => {
  // GENERATED_ECC is 553 octets: its base64 ends in "==".
  const padded = GENERATED_ECC.armored;
  const unpadded = padded.replace("D/I8BRu1qGCvwVKsDg==", "D/I8BRu1qGCvwVKsDg");

  it("an unpadded body is a problem: base64.b64decode raises Incorrect padding (atob accepts it)", () => {
    expect(unpadded).not.toBe(padded);
    expect(pgpyKeyProblems(unpadded)).toEqual([
      "the armored body has 738 base64 characters, not a multiple of 4 (its padding is missing): PGPy's base64 decoder refuses it (Incorrect padding)",
    ]);
    expect(pgpyKeyProblems(padded)).toEqual([]);
  });

  it("text after the END line's dashes, or after the END line, is ignored, as PGPy's armor pattern ignores it", () => {
    const trailing = padded.replace(
      "-----END PGP PUBLIC KEY BLOCK-----",
      "-----END PGP PUBLIC KEY BLOCK----- trailing",
    );
    expect(pgpyKeyProblems(trailing)).toEqual([]);
    expect(pgpyKeyProblems(`${padded}trailing text\n`)).toEqual([]);
    // Another label on the END line is still malformed.
    expect(pgpyKeyProblems(padded.replace("END PGP PUBLIC", "END PGP PRIVATE")).join()).toMatch(
      /no -----END PGP PUBLIC KEY BLOCK----- line/,
    );
  });
});
