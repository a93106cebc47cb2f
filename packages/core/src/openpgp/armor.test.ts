import { describe, expect, it } from "vitest";
import { armored, dearmored, GENERATED_ECC } from "../testing/openpgp-fixtures.js";
import { armorLabels, crc24, readArmor } from "./armor.js";

describe("readArmor", () => {
  it("reads a key block: label, headers, body, a matching CRC-24", () => {
    const read = readArmor(GENERATED_ECC.armored);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.value.label).toBe("PUBLIC KEY BLOCK");
    expect(read.value.checksum).toBe("valid");
    expect(read.value.bytes).toEqual(dearmored(GENERATED_ECC.armored));
    const withHeaders = readArmor(
      armored(read.value.bytes, "PUBLIC KEY BLOCK", { headers: ["Comment: hi", "Version: x"] }),
    );
    expect(withHeaders.ok && withHeaders.value.headers).toEqual(["Comment: hi", "Version: x"]);
  });

  it("accepts CRLF line ends, text around the block, and a missing checksum (RFC 9580)", () => {
    const crlf = `some text\r\n${GENERATED_ECC.armored.replaceAll("\n", "\r\n")}trailer`;
    expect(readArmor(crlf).ok).toBe(true);
    const noChecksum = readArmor(
      armored(dearmored(GENERATED_ECC.armored), "PUBLIC KEY BLOCK", { checksum: false }),
    );
    expect(noChecksum.ok && noChecksum.value.checksum).toBe("missing");
  });

  it.each([
    ["no armor at all", "hello", /no -----BEGIN PGP/],
    [
      "a damaged body",
      GENERATED_ECC.armored.replace("xjMEaw", "xjMEbw"),
      /checksum \(CRC-24\) does not match/,
    ],
    [
      "no END line",
      GENERATED_ECC.armored.replace("-----END PGP PUBLIC KEY BLOCK-----", ""),
      /no -----END PGP PUBLIC KEY BLOCK-----/,
    ],
    [
      "another END label",
      GENERATED_ECC.armored.replace("END PGP PUBLIC", "END PGP PRIVATE"),
      /no -----END/,
    ],
    [
      "trailing whitespace",
      GENERATED_ECC.armored.replace("xjMEaw", "xjMEaw ").replace(/\n(xjMEaw[^\n]*)/, "\n$1"),
      /whitespace|radix-64/,
    ],
    [
      "a line that is not radix-64",
      GENERATED_ECC.armored.replace("xjMEaw", "xj*Eaw"),
      /not radix-64/,
    ],
    [
      "padding in the middle",
      GENERATED_ECC.armored.replace("xjMEaw", "xj=Eaw"),
      /not valid base64/,
    ],
    [
      "an empty body",
      "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK-----\n",
      /holds no data/,
    ],
  ])("%s is malformed", (_label, text, problem) => {
    const read = readArmor(text);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(problem);
  });

  it("crc24 is RFC 4880's (initial value 0xB704CE, generator 0x864CFB)", () => {
    expect(crc24(new Uint8Array())).toBe(0xb704ce);
    // The checksum line of the fixture, decoded.
    const line = GENERATED_ECC.armored
      .split("\n")
      .find((l) => /^=[A-Za-z0-9+/]{4}$/.test(l)) as string;
    const [a, b, c] = Array.from(atob(line.slice(1)), (ch) => ch.charCodeAt(0)) as [
      number,
      number,
      number,
    ];
    expect(crc24(dearmored(GENERATED_ECC.armored))).toBe((a << 16) | (b << 8) | c);
  });
});

describe("the END line and armorLabels", () => {
  it("text after the END line's closing dashes is ignored, as PGPy ignores it", () => {
    const trailing = GENERATED_ECC.armored.replace(
      "-----END PGP PUBLIC KEY BLOCK-----",
      "-----END PGP PUBLIC KEY BLOCK----- trailing",
    );
    const read = readArmor(trailing);
    expect(read.ok && read.value.bytes).toEqual(dearmored(GENERATED_ECC.armored));
  });

  it("armorLabels lists every BEGIN line's label, CRLF or not", () => {
    const two = `${GENERATED_ECC.armored}\r\n${armored(dearmored(GENERATED_ECC.armored), "PRIVATE KEY BLOCK")}`;
    expect(armorLabels(two.replaceAll("\n", "\r\n"))).toEqual([
      "PUBLIC KEY BLOCK",
      "PRIVATE KEY BLOCK",
    ]);
    expect(armorLabels("no armor")).toEqual([]);
  });
});
