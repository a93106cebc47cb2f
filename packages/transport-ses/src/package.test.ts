import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// The AWS SDK lives here and nowhere else; openpgp.js and HTTP clients never come in through
// here. @aws-sdk/client-sesv2 is an optional peer: only SESv2Client users install it.
it("depends on core, the SES v1 client, nodemailer and zod only", async () => {
  const manifest = JSON.parse(
    await readFile(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"),
  );
  expect(Object.keys(manifest.dependencies).sort()).toEqual([
    "@assmbl/core",
    "@aws-sdk/client-ses",
    "nodemailer",
    "zod",
  ]);
  expect(manifest.peerDependencies).toEqual({ "@aws-sdk/client-sesv2": expect.any(String) });
  expect(manifest.peerDependenciesMeta).toEqual({ "@aws-sdk/client-sesv2": { optional: true } });
});
