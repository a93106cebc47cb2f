import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// The AWS SDK lives here and nowhere else; openpgp.js and HTTP clients never come in through
// here. @aws-sdk/client-sesv2 is an optional peer: only SESv2Client users install it. The MIME
// composer (and nodemailer with it) comes from @assmbl/mime.
it("depends on core, mime, the SES v1 client and zod only", async () => {
  const manifest = JSON.parse(
    await readFile(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"),
  );
  expect(Object.keys(manifest.dependencies).sort()).toEqual([
    "@assmbl/core",
    "@assmbl/mime",
    "@aws-sdk/client-ses",
    "zod",
  ]);
  expect(manifest.peerDependencies).toEqual({ "@aws-sdk/client-sesv2": expect.any(String) });
  expect(manifest.peerDependenciesMeta).toEqual({ "@aws-sdk/client-sesv2": { optional: true } });
});

// @assmbl/testing is private (never published): a published package may only devDepend on it.
it("never depends on the private @assmbl/testing outside devDependencies", async () => {
  const manifest = JSON.parse(
    await readFile(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"),
  );
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    expect(Object.keys(manifest[field] ?? {}), field).not.toContain("@assmbl/testing");
  }
  expect(manifest.devDependencies?.["@assmbl/testing"]).toBe("workspace:*");
});
