// pgpyKeyProblems, the entry point: keys PGPy loads, the key files of a review against PGPy
// (testing/pgpy-key-files.ts), the publicOnly option, bounds and bad input. The rules themselves
// are tested in ./pgpy/*.test.ts; the proof against the real PGPy is @assmbl/crypto's
// pgpy-keys.test.ts and pgpy-key-files.test.ts, which run every kind of key through PGPy itself.

import { PGPY_KEY_FILES, readPgpyKeyFile } from "@assmbl/testing/pgpy-key-files";
import { describe, expect, it } from "vitest";
import { AgentMailError } from "./errors.js";
import { Limits } from "./limits.js";
import { pgpyKeyProblems } from "./pgpy-compat.js";
import { mutated } from "./testing/key-mutations.js";
import {
  armored,
  dearmored,
  EARLIER_ECC,
  GENERATED_ECC,
  PGPY_RSA,
} from "./testing/openpgp-fixtures.js";

const keyFile = (file: string) => readPgpyKeyFile(file);

describe("pgpyKeyProblems on keys PGPy loads, and on the one it refused", () => {
  it("no problem with generateKeyPair's key or PGPy's own, public, armored with CRLF, or as a secret key block", () => {
    expect(pgpyKeyProblems(GENERATED_ECC.armored)).toEqual([]);
    expect(pgpyKeyProblems(PGPY_RSA.armored)).toEqual([]);
    expect(pgpyKeyProblems(GENERATED_ECC.armored.replaceAll("\n", "\r\n"))).toEqual([]);
    const secret = mutated(
      GENERATED_ECC,
      (packets) =>
        packets.map((p) =>
          p.tag === 6 || p.tag === 14
            ? { tag: p.tag === 6 ? 5 : 7, body: Uint8Array.from([...p.body, 0, 0, 1, 1, 0, 1]) }
            : p,
        ),
      "PRIVATE KEY BLOCK",
    );
    expect(pgpyKeyProblems(secret)).toEqual([]);
  });

  it("openpgp.js 6.3's defaults: the SHA3 hash preferences, and nothing else", () => {
    expect(pgpyKeyProblems(EARLIER_ECC.armored)).toEqual([
      'a signature on user ID "Earlier Agent <earlier@agents.test>" prefers hash algorithms 14 (SHA3-512), 12 (SHA3-256), which PGPy does not know (its enum stops at SHA-224, 11), so it cannot load the key',
    ]);
  });
});

describe("the key files of the review, with the verdicts PGPy gives them", () => {
  it.each(PGPY_KEY_FILES.map((entry) => [entry.file, entry] as const))(
    "%s",
    (file, { problems }) => {
      const found = pgpyKeyProblems(keyFile(file));
      expect(found).toHaveLength(problems.length);
      problems.forEach((pattern, index) => {
        expect(found[index]).toMatch(pattern);
      });
    },
  );

  it("a corrupted signature is not found here: core does not verify the mathematics", () => {
    // PGPy fails to verify it; @assmbl/crypto's inspectPublicKey().pgpy reports it.
    expect(pgpyKeyProblems(keyFile("corrupt-certification.pub.asc"))).toEqual([]);
  });
});

describe("publicOnly: a directory key must be public", () => {
  const secret = keyFile("gpg-ed25519.sec.asc");
  const publicKey = keyFile("gpg-ed25519.pub.asc");
  it("reports a private key block, one problem, without quoting the key", () => {
    expect(pgpyKeyProblems(secret)).toEqual([]);
    const problems = pgpyKeyProblems(secret, { publicOnly: true });
    expect(problems).toEqual([
      "a directory key must be a public key, and this text is not: it is a PGP PRIVATE KEY BLOCK, not a public key",
    ]);
  });

  it("reports secret-key packets under a PUBLIC KEY BLOCK label, and a private block after a public one", () => {
    const relabeled = secret.replaceAll("PRIVATE KEY BLOCK", "PUBLIC KEY BLOCK");
    expect(pgpyKeyProblems(relabeled, { publicOnly: true }).join()).toMatch(
      /holds a secret-key packet/,
    );
    expect(pgpyKeyProblems(`${publicKey}\n${secret}`, { publicOnly: true }).join()).toMatch(
      /PRIVATE KEY BLOCK/,
    );
  });

  it("a public key passes", () => {
    expect(pgpyKeyProblems(publicKey, { publicOnly: true })).toEqual([]);
    expect(pgpyKeyProblems(GENERATED_ECC.armored, { publicOnly: true })).toEqual([]);
  });
});

describe("bounds and bad input", () => {
  it("a key over the size limit is one problem, not parsed", () => {
    const huge = `${GENERATED_ECC.armored}${" ".repeat(Limits.armoredKeyBytes)}`;
    expect(pgpyKeyProblems(huge)).toEqual([expect.stringMatching(/at most 65536 are accepted/)]);
  });

  it("not a string, or unknown options → invalid_options", () => {
    for (const call of [
      () => pgpyKeyProblems(42 as never),
      () => pgpyKeyProblems(GENERATED_ECC.armored, { nwo: new Date() } as never),
      () => pgpyKeyProblems(GENERATED_ECC.armored, { now: "today" } as never),
      () => pgpyKeyProblems(GENERATED_ECC.armored, { publicOnly: "yes" } as never),
    ]) {
      expect(call).toThrow(AgentMailError);
      expect(call).toThrow(expect.objectContaining({ code: "invalid_options" }));
    }
  });

  it("every mutation of a key is answered with problems, never an exception (seeded fuzz)", () => {
    let state = 0x2545f491;
    const random = (n: number) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    for (const fixture of [GENERATED_ECC, PGPY_RSA, EARLIER_ECC]) {
      const original = dearmored(fixture.armored);
      for (let round = 0; round < 400; round++) {
        const data = original.slice(0, round % 5 === 0 ? random(original.length) : original.length);
        for (let flips = 1 + random(3); flips > 0; flips--) data[random(data.length)] = random(256);
        const problems = pgpyKeyProblems(armored(data));
        expect(Array.isArray(problems)).toBe(true);
        expect(problems.length).toBeLessThanOrEqual(33);
        for (const problem of problems) expect(typeof problem).toBe("string");
      }
    }
    for (let round = 0; round < 200; round++) {
      const text = Array.from({ length: random(400) }, () => String.fromCharCode(random(128))).join(
        "",
      );
      expect(
        Array.isArray(pgpyKeyProblems(`-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${text}`)),
      ).toBe(true);
    }
  });
});
