import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// Keys come in through core's MailDecryptor: openpgp.js, the AWS SDK and the other @assmbl
// packages are for tests only.
it("depends on core, ky, postal-mime and zod only", async () => {
  const manifest = JSON.parse(
    await readFile(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"),
  );
  expect(Object.keys(manifest.dependencies).sort()).toEqual([
    "@assmbl/core",
    "ky",
    "postal-mime",
    "zod",
  ]);
  expect(manifest.peerDependencies).toBeUndefined();
});
