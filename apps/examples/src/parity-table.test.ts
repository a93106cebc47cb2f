// The root README's "Python SDK parity" table names a TypeScript call for every Python one: each
// name it gives must exist, on the object it says (client, mailer, directory) or as an export.
import { readFileSync } from "node:fs";
import * as core from "@assmbl/core";
import { createMailer, type MailTransport } from "@assmbl/core";
import * as crypto from "@assmbl/crypto";
import * as directoryPackage from "@assmbl/directory";
import { createDirectory } from "@assmbl/directory";
import * as transportApi from "@assmbl/transport-api";
import { createAgentMailClient } from "@assmbl/transport-api";
import { describe, expect, it } from "vitest";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
const section = readme.split("## Python SDK parity")[1]?.split("\n## ")[0] ?? "";
const rows = section.split("\n").filter((line) => /^\| `/.test(line));
/** Every `name(` or `object.name(` in the table's TypeScript column. */
const calls = rows.flatMap((row) => {
  const typescript = row.split(" | ")[1] ?? "";
  return [...typescript.matchAll(/`(?:(client|mailer|directory)\.)?([A-Za-z]+)\(/g)].map(
    ([, on, name]) => ({ on: on ?? "export", name: name ?? "" }),
  );
});

const unused: MailTransport = {
  specificationVersion: "v1",
  name: "unused",
  async send() {
    throw new Error("not sending");
  },
};
const objects: Record<string, object> = {
  client: createAgentMailClient({ baseUrl: "http://127.0.0.1:9", token: "t" }),
  mailer: createMailer(unused, { from: "a@agents.example.com", mailDomain: "agents.example.com" }),
  directory: createDirectory({ baseUrl: "http://127.0.0.1:9" }),
  export: { ...core, ...crypto, ...directoryPackage, ...transportApi },
};

describe("the README's Python SDK parity table", () => {
  it("has a row for each Python call the platform documents", () => {
    expect(rows.length).toBeGreaterThanOrEqual(22);
    expect(calls.length).toBeGreaterThanOrEqual(33);
  });

  it.each(calls.map(({ on, name }) => [`${on}.${name}`, on, name] as const))(
    "%s exists",
    (_label, on, name) => {
      expect(typeof (objects[on] as Record<string, unknown>)[name]).toBe("function");
    },
  );
});
