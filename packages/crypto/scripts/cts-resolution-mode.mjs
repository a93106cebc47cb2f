// Post-build step for dist/*.d.cts (run by `pnpm build` after tsup).
//
// openpgp ships ESM-only type files ("type": "module", one index.d.ts), so a CommonJS TypeScript
// project that reads this package's index.d.cts fails on its `import { … } from 'openpgp'` with
// TS1479. A type-only import may say which resolution to use, and then it is allowed from CommonJS:
//   import type { … } from 'openpgp' with { "resolution-mode": "import" };
// tsup's declaration bundler drops that attribute from the source, so it is written back here.
// The syntax needs TypeScript 5.3 or newer in the consumer (documented in the README).
//
// It fails the build when a d.cts names openpgp in a form it does not rewrite, so that a change in
// tsup's output cannot silently bring TS1479 back.

import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const ESM_ONLY = ["openpgp"];
const dist = new URL("../dist/", import.meta.url);

// The module name, quoted either way; `group` is the number of its quote's capture group.
const specifier = (name, group) =>
  `(['"])${name.replace(/[/\\^$*+?.()|[\]{}]/g, "\\$&")}\\${group}`;

function rewrite(text, name) {
  const statement = new RegExp(
    `^(import|export)( type)? (\\{[^}]*\\}|\\* as \\w+) from ${specifier(name, 4)};$`,
    "gm",
  );
  return text.replace(statement, (_line, keyword, _type, names, quote) => {
    const from = `${quote}${name}${quote}`;
    return `${keyword} type ${names} from ${from} with { "resolution-mode": "import" };`;
  });
}

const files = (await readdir(dist)).filter((file) => file.endsWith(".d.cts"));
if (files.length === 0) throw new Error(`no .d.cts in ${dist.pathname}: run tsup first`);
for (const file of files) {
  const path = join(dist.pathname, file);
  let text = await readFile(path, "utf8");
  for (const name of ESM_ONLY) {
    text = rewrite(text, name);
    // Every remaining mention of the module must carry the attribute.
    const mentions = text.match(new RegExp(`^.*${specifier(name, 1)}.*$`, "gm")) ?? [];
    const bare = mentions.filter((line) => !line.includes('"resolution-mode": "import"'));
    if (bare.length > 0) {
      throw new Error(
        `${file}: ${name} is imported in a form this script does not rewrite:\n${bare.join("\n")}`,
      );
    }
  }
  await writeFile(path, text);
}
