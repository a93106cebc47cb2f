// The user ids of the key that signed a message are chosen by whoever made the key: in
// `signer.reason` (which a reader logs or shows) they are cleaned like received headers and cut.
import type { DecryptedText, KeyDirectory, MailDecryptor } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { bindSigner, quotedUserIds } from "./signer-binding.js";

const SENDER = "sender@agents.example.com";

// A decryptor that reports a valid signature by a key with these user ids: what a real one
// reports for a key the directory served for the sender, whose user ids name someone else.
function signedBy(signerUserIds: string[]): MailDecryptor {
  const result = {
    text: "hello",
    verification: "valid",
    signerFingerprint: "5421765bd40a4fe7e85babfbe672fedbe6d44198",
    signerUserIds,
  } as unknown as DecryptedText;
  return {
    specificationVersion: "v1",
    fingerprint: "00".repeat(20),
    decryptText: async () => result,
    decryptBytes: async () => {
      throw new Error("not used");
    },
  };
}

const directory = { specificationVersion: "v1" } as unknown as KeyDirectory;

async function reasonFor(userIds: string[]): Promise<string> {
  const decryptor = bindSigner(signedBy(userIds), directory, SENDER);
  const result = (await decryptor?.decryptText("armored")) as DecryptedText & {
    signer?: { reason: string };
  };
  expect(result.verification).toBe("invalid");
  return result.signer?.reason ?? "";
}

describe("signer.reason", () => {
  it("holds no line break, control or bidi character from a user id", async () => {
    const reason = await reasonFor(["Mallory\u202e\r\nX-Injected: yes\u0007 <other@evil.example>"]);
    const unsafe = [...reason].filter((c) => {
      const code = c.charCodeAt(0);
      return code < 0x20 || code === 0x7f || (code >= 0x202a && code <= 0x202e);
    });
    expect(unsafe).toEqual([]);
    expect(reason).toContain("Mallory\ufffd\ufffd\ufffdX-Injected: yes\ufffd <other@evil.example>");
  });

  it("cuts each user id to 128 characters and lists at most 4", async () => {
    const long = `${"A".repeat(5_000)} <a@evil.example>`;
    const reason = await reasonFor([
      long,
      "b@evil.example",
      "c@evil.example",
      "d@evil.example",
      "e@evil.example",
      "f@evil.example",
    ]);
    expect(reason).toContain(
      `(${"A".repeat(128)}..., b@evil.example, c@evil.example, d@evil.example and 2 more)`,
    );
    expect(reason).not.toContain("e@evil.example");
    expect(reason.length).toBeLessThan(500);
  });

  it("quotedUserIds keeps ordinary user ids as they are", () => {
    expect(quotedUserIds(["Alice <alice@agents.example.com>", "alice@elsewhere.example"])).toBe(
      "Alice <alice@agents.example.com>, alice@elsewhere.example",
    );
  });
});
