// The pure half of transport-api's signer-binding.test.ts (which keeps the cases that need the dev
// server and a lying directory): a verdict a decryptor cannot back with user ids never counts for a
// directory, and a user id names an address only by its exact addr-spec.
import type { KeyDirectory } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { bindSigner, namesAddress } from "./signer-binding.js";

const MAIL_DOMAIN = "agents.example.com";
const at = (id: string) => `${id}@${MAIL_DOMAIN}`;

describe("a signature counts only for the sender whose key made it", () => {
  it("a decryptor that does not report user ids cannot make a directory signature valid", async () => {
    const legacy = {
      specificationVersion: "v1" as const,
      fingerprint: "00",
      decryptText: async () => ({
        text: "t",
        verification: "valid" as const,
        signerFingerprint: "ab",
      }),
      decryptBytes: async () => ({ data: new Uint8Array(), verification: "valid" as const }),
    };
    // Binding needs no lookup: a directory that is never asked.
    const directory: KeyDirectory = {
      specificationVersion: "v1",
      lookup: async () => {
        throw new Error("binding a signer looks nothing up");
      },
    };
    const bound = bindSigner(legacy, directory, at("alice"));
    expect(bound?.decryptInto).toBeUndefined();
    const text = await bound?.decryptText("x");
    expect(text).toMatchObject({ verification: "invalid" });
    // Pinned keys: the decryptor's verdict stands.
    expect(await bindSigner(legacy, "key", at("alice"))?.decryptText("x")).toMatchObject({
      verification: "valid",
    });
  });
});

describe("namesAddress", () => {
  it("matches the addr-spec of a user id, case-insensitively, and nothing looser", () => {
    expect(namesAddress(["Alice <Alice@Agents.Example.com>"], at("alice"))).toBe(true);
    expect(namesAddress([at("alice")], at("ALICE"))).toBe(true);
    expect(namesAddress(["Alice <alice@agents.example.com.evil>"], at("alice"))).toBe(false);
    expect(namesAddress([`x${at("alice")}`, `<${at("alice")}> trailing`], at("alice"))).toBe(false);
    expect(namesAddress(["Bob <bob@agents.example.com>"], at("alice"))).toBe(false);
    expect(namesAddress(undefined, at("alice"))).toBe(false);
    expect(namesAddress([""], "")).toBe(false);
  });
});
