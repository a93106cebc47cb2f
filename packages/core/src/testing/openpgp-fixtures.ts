// Test data for core's OpenPGP reader and PGPy check (core cannot depend on openpgp.js, so these
// keys were made once and pasted here): who made each key, its fingerprint, and what PGPy 0.6
// makes of it (checked against the real PGPy by @assmbl/crypto's pgpy-keys.test.ts corpus, which
// holds keys made the same way).

import { join, packet } from "@assmbl/testing/message-fixtures";
import { crc24 } from "../openpgp/armor.js";
import type { Packet } from "../openpgp/packets.js";

/** An armored key and its v4 fingerprint (lower-case hex). */
export interface FixtureKey {
  armored: string;
  fingerprint: string;
}

/** `generateKeyPair` (ecc): Ed25519 primary, Curve25519 subkey, SHA-2 preferences. PGPy loads it. */
export const GENERATED_ECC: FixtureKey = {
  armored: `-----BEGIN PGP PUBLIC KEY BLOCK-----

xjMEawxgCBYJKwYBBAHaRw8BAQdA619ld62j07aOvzPUiIg40fzqXKZxkeOp
YmLVdGDVWpfNI0ZpeHR1cmUgQWdlbnQgPGZpeHR1cmVAYWdlbnRzLnRlc3Q+
wsASBBMWCgCFBYJrDGAIAwsJBwkQAk8JP+dgT2NFFAAAAAAAHAAgc2FsdEBu
b3RhdGlvbnMub3BlbnBncGpzLm9yZ5oKvWBHlunZqfV/KpHtry40sLGlkGT/
cBLkwNQ1R2w/BRUKCAkLBBYAAgECGQECmwMCHgEWIQQDPqJRQZvoVYzcitEC
Twk/52BPYwAAl0YA/3m4b+5CzjmmzQ29BQjjNldDnKcSZZXaamL6So0qHTJs
APdYehhTe85tGfR7yUmJ47u672C2t2ceGgVR+tGpj1gPzjgEawxgCBIKKwYB
BAGXVQEFAQEHQNOCutBrkEDhxvjjwkoUrsSoiY/R6K0u1V5PTMgMIPMbAwEI
B8K+BBgWCgBwBYJrDGAICRACTwk/52BPY0UUAAAAAAAcACBzYWx0QG5vdGF0
aW9ucy5vcGVucGdwanMub3Jn2kmlvz9grQVn1EFK4soXDMQiDgWN+isVC3OA
bb+DwpsCmwwWIQQDPqJRQZvoVYzcitECTwk/52BPYwAAo+kA/Rfdbb3Ygrkt
wCyJilW5khLQSzCtdGreroBIX0TX0jmqAQDlUSfzRbuDqN6Zlhy2aNHJ7szm
D/I8BRu1qGCvwVKsDg==
=mD9x
-----END PGP PUBLIC KEY BLOCK-----
`,
  fingerprint: "033ea251419be8558cdc8ad1024f093fe7604f63",
};

/** openpgp.js 6.3 defaults (the earlier version): SHA3-512 and SHA3-256 preferred. PGPy refuses it. */
export const EARLIER_ECC: FixtureKey = {
  armored: `-----BEGIN PGP PUBLIC KEY BLOCK-----

xjMEawxgCBYJKwYBBAHaRw8BAQdAc7vtcAN9EUogAKLg+jJYzTPIwRohFpCz
Bzmgi/wM5brNI0VhcmxpZXIgQWdlbnQgPGVhcmxpZXJAYWdlbnRzLnRlc3Q+
wsATBBMWCgCFBYJrDGAIAwsJBwkQclVi6rZMMFZFFAAAAAAAHAAgc2FsdEBu
b3RhdGlvbnMub3BlbnBncGpzLm9yZwyWt2LpszfK9MJ69HBaCb96ny7wJZ9W
vCo0Wn+ph1BcBRUKCA4MBBYAAgECGQECmwMCHgEWIQQkoZIkAki5BVEGGa1y
VWLqtkwwVgAAyTMA/0CQD1EfysdS4X+S8bYr0P/IJOLCOY9Y/dqgvsF1GJIo
AP0YpUwOBPsXRRxMZWayykiepJWKsRlvhYCxiCu+LjCVDc44BGsMYAgSCisG
AQQBl1UBBQEBB0Am6C+jvtd79MZhaRIMOsUfDGTrHxWfQMdh1CsevtUvYgMB
CAfCvgQYFgoAcAWCawxgCAkQclVi6rZMMFZFFAAAAAAAHAAgc2FsdEBub3Rh
dGlvbnMub3BlbnBncGpzLm9yZ5skhGaIJDtqqz/Pnx4S49j72Ib+oY/d+6bz
xlOJTZzLApsMFiEEJKGSJAJIuQVRBhmtclVi6rZMMFYAAK/gAP9bXy3fBIaT
TAMDYEYbf6owUt9k/kkriVt06vNRT4npbQD9HCTiW5/kvAHerWUb1ge74a+W
UGF1EXyFri0DmOnCcAY=
=4cVx
-----END PGP PUBLIC KEY BLOCK-----
`,
  fingerprint: "24a192240248b905510619ad725562eab64c3056",
};

/** Created 2030-01-01T00:00:00Z, expires a day later; SHA-2 preferences. */
export const EXPIRING_ECC: FixtureKey = {
  armored: `-----BEGIN PGP PUBLIC KEY BLOCK-----

xjMEcNvYgBYJKwYBBAHaRw8BAQdAJB/ph11EDWgUINArgIjXGGQ+IxrOq6RO
YvnusSXXqWXNI0NyYWZ0ZWQgQWdlbnQgPGNyYWZ0ZWRAYWdlbnRzLnRlc3Q+
wsAZBBMWCgCLBYJw29iABYkAAVGAAwsJBwkQs8pxIMpwi75FFAAAAAAAHAAg
c2FsdEBub3RhdGlvbnMub3BlbnBncGpzLm9yZ67/aYyhYx+5o/beP4qEVVsM
MoJDX6MI4kYz1i/etTDNBRUKCAkLBBYAAgECGQECmwMCHgEWIQQxLc9GVUy7
6qcuoZezynEgynCLvgAAyJQBAKCzSqme61SasnkKnukIyK4jAEgq9qYA9/YQ
btbs49+nAP9hOC+XO79CkICZ6OrHFee/hcql/h8VtSuYuwnsxGAlA844BHDb
2IASCisGAQQBl1UBBQEBB0BLAf0ugp4Lq6klYdvvP7ssigb1zjwFp2+1VcWY
A8CrCgMBCAfCwAQEGBYKAHYFgnDb2IAFiQABUYAJELPKcSDKcIu+RRQAAAAA
ABwAIHNhbHRAbm90YXRpb25zLm9wZW5wZ3Bqcy5vcmeGnPZZcB68HFpCKbkK
y7heXj8WZ91g4S8U8T6PxOfSjQKbDBYhBDEtz0ZVTLvqpy6hl7PKcSDKcIu+
AAAjQwD/V0Yt+s4aXTQJCPfbushiWp00IARHymjZzwTLk0hSyFUA/0dHLy5o
uM+zDYjar0MYH5l/NOoEcVhKxxHuxD2OXO8C
=odFU
-----END PGP PUBLIC KEY BLOCK-----
`,
  fingerprint: "312dcf46554cbbeaa72ea197b3ca7120ca708bbe",
};

/** PGPy's own RSA-4096 key (the Python SDK's generate_keypair): one RSA key that signs and encrypts. */
export const PGPY_RSA: FixtureKey = {
  armored: `-----BEGIN PGP PUBLIC KEY BLOCK-----

xsFNBGsMYAgBEADScqc+fSkgE7W2u1jrVI/U14uWnLjlhBhn0oXTNsMDDsTzJY8I
2yLQD4+y7zNF56+mKcJgGIY7BMEIfi7MJmRupTCFVM2MAXzQ47X+38qPhYPFPvl/
acT+hCt6cyk7Lv5JGhqy6db+/QkQy1NZ2S8uD4sJ/0FVPnC13Qoj66szenUs+fLi
mfqNPAJerBMWbYNX9yLLXbx7LRn6pkjzejJG9TVX0OCNDBSZuYwLJ5fOKsbk9xCv
O3KaCW4QVe8/CC0fLs1Axb8We/vOC9ZCffUAMGoyq4R+MhkWrh+ufuC4j11dOnVH
MLVipV1B6hKWuDYPdxeN1h7aWqGGpuVLEBGqo3LND81ASl7chfHpi6hy5oifhP8W
72eoH6p/7ADB2fzkOInrHMV0V/vtwfIG+yFH2AqskT6k0dnSadUuo+AZVE+3DzZ5
usd7GM6qHymhiEkU3pXfqpcAxSx94ZmiIftls2Rb5KYHaXlv9ans6hJpAgaGLPUL
Csnt3MYYFwvhARSHdgICh1Au+pzkjnhS8PM23MrZqRdT3mHsZcldkXEj/YpJl9Aq
LSq+l7eMUVyW4VKZeHS4IfMb8TlelyNAR/3A6m2z2i3BjsVhMA9e/v5u+bilrotY
l4u5tkk0liuoXq1HSw/DO5UU2QwK5HDX5jnaux8OJOlk8uDRe93MxEypmwARAQAB
zRtQeSBGaXh0dXJlIDxweUBhZ2VudHMudGVzdD7CwYoEEwEIADQFAmsMYAoCGw4E
CwkIBwUVCAkKCwUWAgMBAAIeARYhBBl/TXBJaiOf08qSmHew2OFN46bkAAoJEHew
2OFN46bkMoEQALks7oDZEjRzZdXdKd3b9fk0DWlFayDOKlhQWEl1H15U+XLgOdCB
Ddi9Eoz/72E6/0Rer2SLZPjkN6qI7k2SJpWnvJNuDbDaUC9LpYZOGwGuhQNA7Y7D
P+x8haVLkjjrwMKqVdVwVyIpdguuOIa9hB1Glg3jqVksWvXD5i032a7My/yaeoRw
g3Wt2yEwLCn9yfYm9D276XQliIzGO1NkV+kTPdswHCY60UNL38rvsAkWrXBEu+YG
Y2/5sgqaXsbR//Re5v2cDWMWDy2LzQBbBGps1pPRRwPfpENZlUKEd0Ns7ZQRFLC6
YapbBwFvEdnlSQaRwNrfV7SZQBJYa9e7Her/8XEl/zc/GxQngzxvTne9S0dl5zgU
s+XOwRuuqTVGSaMsroJcnoJbSyTh7oCnLzllhpiNMxIqbqaCAiuQ/luaIusFOssr
ufyJuP0dZXyaA3msJciDfqhQaTRUSN9crkExrQ3hcppAtLIr3coIwM8hwj+V5I/x
8/6ZAM0Ls9lFtLM0jp6PTx5kkyy2uzhGZ+mhfRe3gmcPkqi9gvtqOwwPKFKok1X6
bqFSKL+J638y9m6gLp5OmsRaVzpUekFRbbK+y6VuglX4mDD7pz/YzoxnE6oPx9Uc
fTlq8I3u4uxQ/dg4S1deggJ1eXg7C01X7CZ28CqL8DAekaNj+JLW0pF8
=zoJ5
-----END PGP PUBLIC KEY BLOCK-----
`,
  fingerprint: "197f4d70496a239fd3ca929877b0d8e14de3a6e4",
};

/**
 * The packets of an armored key, decoded without checks (the fixtures are well-formed).
 *
 * @example
 * const bytes = dearmored(GENERATED_ECC.armored);
 */
export function dearmored(armored: string): Uint8Array {
  const lines = armored.split("\n");
  const body = lines
    .slice(lines.indexOf("") + 1)
    .filter((line) => /^[A-Za-z0-9+/=]+$/.test(line) && !line.startsWith("="));
  return Uint8Array.from(atob(body.join("")), (char) => char.charCodeAt(0));
}

/**
 * Armors bytes the way GnuPG does (64-character lines, a CRC-24 line), with `label` and optional
 * header lines.
 *
 * @example
 * armored(mutated, "PUBLIC KEY BLOCK");
 */
export function armored(
  bytes: Uint8Array,
  label = "PUBLIC KEY BLOCK",
  options: { headers?: string[]; lineLength?: number; checksum?: boolean } = {},
): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const base64 = btoa(binary);
  const size = options.lineLength ?? 64;
  const lines: string[] = [];
  for (let at = 0; at < base64.length; at += size) lines.push(base64.slice(at, at + size));
  const crc = crc24(bytes);
  const checksum = btoa(String.fromCharCode(crc >> 16, (crc >> 8) & 0xff, crc & 0xff));
  return [
    `-----BEGIN PGP ${label}-----`,
    ...(options.headers ?? []),
    "",
    ...lines,
    ...(options.checksum === false ? [] : [`=${checksum}`]),
    `-----END PGP ${label}-----`,
    "",
  ].join("\n");
}

/**
 * Writes packets with new-format headers and the shortest length form.
 *
 * @example
 * armored(writePackets(packets));
 */
export function writePackets(packets: readonly Packet[]): Uint8Array {
  return join(...packets.map(({ tag, body }) => packet(tag, body)));
}
