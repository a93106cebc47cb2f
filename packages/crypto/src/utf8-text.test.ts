// Text is exactly what the sender wrote, both ways with the Python SDK's PGPy: a leading U+FEFF
// (BOM) survives (TextDecoder drops it unless told ignoreBOM), and text that is not well-formed
// UTF-16 (a lone surrogate, which has no UTF-8 encoding) is refused rather than sent as U+FFFD.

import { errorOf } from "@assmbl/testing/crypto-helpers";
import { pythonSdk } from "@assmbl/testing/python";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptUtf8 } from "./decrypt.js";
import { encryptUtf8 } from "./encrypt.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { openpgpCrypto } from "./mail-crypto.js";
import { loadPrivateKey } from "./private-key.js";

const WITH_BOM = ["\uFEFFhello", "\uFEFF\uFEFFtwo marks", "\uFEFF", "text \uFEFF inside"];
const LONE = ["a\uD800b", "ends high \uD83D", "\uDE00 starts low", "pair reversed \uDE00\uD83D"];

let keys: KeyPairBundle;
beforeAll(async () => {
  keys = await generateKeyPair({ name: "Text", email: "text@agents.test" });
});

const recipient = () => ({
  agentId: "text",
  address: "text@agents.test",
  publicKeyArmored: keys.publicKeyArmored,
});

describe("a leading U+FEFF is part of the text", () => {
  it.each(WITH_BOM.map((text) => [JSON.stringify(text), text]))(
    "%s: TypeScript → PGPy and PGPy → TypeScript, exactly",
    async (_label, text) => {
      const ours = await encryptUtf8(keys.publicKeyArmored, text);
      const python = await pythonSdk.decrypt(ours, { privateKey: keys.privateKeyArmored });
      expect(python).toMatchObject({ pythonType: "str", text });
      const theirs = await pythonSdk.encryptUtf8(text, keys.publicKeyArmored);
      expect((await decryptUtf8(theirs, { privateKey: keys.privateKeyArmored })).text).toBe(text);
      expect((await decryptUtf8(ours, { privateKey: keys.privateKeyArmored })).text).toBe(text);
    },
  );

  it("the mailer's bodies too (openpgpCrypto().encryptText, AgentPrivateKey.decryptText)", async () => {
    const armored = await openpgpCrypto().encryptText("\uFEFFbody", [recipient()]);
    expect(await pythonSdk.decrypt(armored, { privateKey: keys.privateKeyArmored })).toMatchObject({
      text: "\uFEFFbody",
    });
    const key = await loadPrivateKey(keys.privateKeyArmored);
    expect((await key.decryptText(armored)).text).toBe("\uFEFFbody");
  });
});

describe("text with a lone surrogate is refused, as PGPy refuses it", () => {
  it.each(LONE.map((text) => [JSON.stringify(text), text]))(
    "%s → invalid_options from encryptUtf8 and encryptText, naming the position",
    async (_label, text) => {
      for (const call of [
        () => encryptUtf8(keys.publicKeyArmored, text),
        () => openpgpCrypto().encryptText(text, [recipient()]),
      ]) {
        const error = await errorOf(call());
        expect(error.code).toBe("invalid_options");
        expect(error.message).toMatch(/lone surrogate \(U\+D[89A-F][0-9A-F]{2} at index \d+\)/);
      }
    },
  );

  it("PGPy cannot encode such text at all (UnicodeEncodeError), so nothing would round-trip", async () => {
    await expect(pythonSdk.encryptUtf8("a\uD800b", keys.publicKeyArmored)).rejects.toThrow(
      /surrogates not allowed/,
    );
  });

  it("well-formed text with astral characters is fine", async () => {
    const text = "pairs 😀 𝄞 \uD83D\uDE00";
    const armored = await encryptUtf8(keys.publicKeyArmored, text);
    expect((await decryptUtf8(armored, { privateKey: keys.privateKeyArmored })).text).toBe(text);
  });
});
