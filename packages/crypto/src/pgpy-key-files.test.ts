// The key files of a review of pgpyKeyProblems (packages/core/src/testing/pgpy-keys/, listed with
// their verdicts in pgpy-key-files.ts) against the real PGPy 0.6: what PGPy does with each is what
// the list says, pgpyKeyProblems agrees with PGPy on all but the one whose only flaw is in the
// signature mathematics, and inspectPublicKey().pgpy agrees on that one too.
import { pgpyKeyProblems } from "@assmbl/core";
import { PGPY_KEY_FILES, type PgpyKeyFile, readPgpyKeyFile } from "@assmbl/testing/pgpy-key-files";
import { type PythonKeyReport, pythonSdk } from "@assmbl/testing/python";
import { beforeAll, describe, expect, it } from "vitest";
import { inspectPublicKey } from "./key-policy.js";
import { pgpyCanUse, revokedOrExpired } from "./testing/pgpy-usable.js";

const armoredOf = (entry: PgpyKeyFile) => readPgpyKeyFile(entry.file);

const OPENPGPJS_REFUSES = [
  "gpg-ed25519.sec.asc",
  "text-after-end-line.pub.asc",
  "embedded-signature-in-certification.pub.asc",
];
const verdicts = new Map<
  string,
  { report: PythonKeyReport; usable: boolean; badTarget: boolean }
>();

beforeAll(async () => {
  const reports = await pythonSdk.inspectKeys(
    PGPY_KEY_FILES.map((entry) => ({ armored: armoredOf(entry) })),
  );
  for (const [index, entry] of PGPY_KEY_FILES.entries()) {
    const report = reports[index] as PythonKeyReport;
    const armored = armoredOf(entry);
    const badTarget =
      report.loaded && report.encryptsTo !== null
        ? await revokedOrExpired(armored, report.encryptsTo)
        : false;
    verdicts.set(entry.file, { report, usable: await pgpyCanUse(report, armored), badTarget });
  }
}, 60_000);

describe.each(PGPY_KEY_FILES.map((entry) => [entry.file, entry] as const))("%s", (file, entry) => {
  it(`PGPy ${entry.pgpy}${entry.encrypts ? `, and encrypts ${entry.encrypts}` : ""}`, () => {
    const { report, badTarget } = verdicts.get(file) as {
      report: PythonKeyReport;
      badTarget: boolean;
    };
    const seen = !report.loaded
      ? "refuses to load"
      : report.selfVerified
        ? "loads and verifies"
        : "fails to verify";
    expect(seen).toBe(entry.pgpy);
    expect(badTarget).toBe(entry.encrypts !== undefined);
  });

  it("pgpyKeyProblems agrees with PGPy (except on signature mathematics, which core does not check)", () => {
    const problems = pgpyKeyProblems(armoredOf(entry));
    const { usable } = verdicts.get(file) as { usable: boolean };
    const mathematicsOnly = file === "corrupt-certification.pub.asc";
    expect(problems.length === 0).toBe(mathematicsOnly ? true : usable);
  });

  it("inspectPublicKey().pgpy agrees with PGPy, for every public key openpgp.js reads", async () => {
    const inspected = await inspectPublicKey(armoredOf(entry)).then(
      (report) => ({ report, code: undefined }),
      (error: { code?: string }) => ({ report: undefined, code: error.code }),
    );
    if (!inspected.report) {
      // A private key, or one openpgp.js refuses (text after the END line; an embedded
      // signature without a creation time): not a public key here.
      expect(inspected.code).toBe("invalid_public_key");
      expect(OPENPGPJS_REFUSES).toContain(file);
      return;
    }
    const { usable } = verdicts.get(file) as { usable: boolean };
    expect(inspected.report.pgpy.compatible).toBe(usable);
  });
});

it("a corrupted self-signature: inspectPublicKey().pgpy names it (openpgp.js verified it)", async () => {
  const entry = PGPY_KEY_FILES.find(
    (candidate) => candidate.file === "corrupt-certification.pub.asc",
  );
  const { pgpy } = await inspectPublicKey(armoredOf(entry as PgpyKeyFile));
  expect(pgpy.compatible).toBe(false);
  expect(pgpy.problems).toEqual([
    expect.stringMatching(
      /^the self-certification of user ID ".*" does not verify \(openpgp\.js: .*\), so PGPy's verification of the key fails$/,
    ),
  ]);
});
