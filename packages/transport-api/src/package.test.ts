import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as mime from "@assmbl/mime";
import * as mimeRead from "@assmbl/mime/read";
import { expect, it } from "vitest";
import * as api from "./index.js";

// Keys come in through core's MailDecryptor: openpgp.js, the AWS SDK and the other @assmbl
// packages are for tests only. Reading MIME (postal-mime) is @assmbl/mime's.
it("depends on core, mime, ky and zod only", async () => {
  const manifest = JSON.parse(
    await readFile(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"),
  );
  expect(Object.keys(manifest.dependencies).sort()).toEqual([
    "@assmbl/core",
    "@assmbl/mime",
    "ky",
    "zod",
  ]);
  expect(manifest.peerDependencies).toBeUndefined();
});

it("re-exports @assmbl/mime's openMessage (the same function, not a copy)", () => {
  expect(api.openMessage).toBe(mimeRead.openMessage);
  expect(api.openMessage).toBe(mime.openMessage);
});

// The mime root entry carries the composer (nodemailer, on node:stream/net/zlib), which breaks a
// Worker bundled without nodejs_compat; the reader entry does not. The built dist (what a bundler
// takes in) must name only the reader entry, in both module formats.
it("its built dist imports @assmbl/mime/read, never the @assmbl/mime root", async () => {
  const dist = new URL("../dist/", import.meta.url);
  const files = (await readdir(dist)).filter((name) => /\.(c?js|d\.c?ts)$/.test(name));
  expect(files).toEqual(expect.arrayContaining(["index.js", "index.cjs", "index.d.ts"]));
  const specifiers = new Set<string>();
  for (const name of files) {
    const code = await readFile(new URL(name, dist), "utf8");
    for (const match of code.matchAll(/["'](@assmbl\/mime(?:\/[^"']*)?)["']/g)) {
      specifiers.add(`${name}: ${match[1]}`);
    }
  }
  // Each format names the reader entry (so the check above looked at real imports) ...
  for (const name of ["index.js", "index.cjs", "index.d.ts"]) {
    expect(specifiers).toContain(`${name}: @assmbl/mime/read`);
  }
  // ... and nothing else of @assmbl/mime.
  expect([...specifiers].filter((s) => !s.endsWith(": @assmbl/mime/read"))).toEqual([]);
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
