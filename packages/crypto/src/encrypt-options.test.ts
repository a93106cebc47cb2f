// The encrypt functions check their options like every other entry point: an unknown option is
// refused by name (a typo such as `hideRecipient` must not silently encrypt with real key ids),
// and so is a signing key that is not a loaded one, before any key is parsed.
import { describe, expect, it } from "vitest";
import { encryptBytes, encryptStream, encryptUtf8 } from "./encrypt.js";
import { generateKeyPair } from "./keys.js";
import { loadPrivateKey } from "./private-key.js";

const keys = await generateKeyPair({
  name: "Options Test",
  email: "options-test@agents.example.com",
});

async function failureOf(run: () => Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await run();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("expected a rejection");
}

const oneChunk = () =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array([1, 2, 3]));
      controller.close();
    },
  });

describe("encrypt options", () => {
  it("accepts every documented option", async () => {
    const signingKey = await loadPrivateKey(keys.privateKeyArmored);
    const armored = await encryptUtf8(keys.publicKeyArmored, "hi", {
      signingKey,
      hideRecipients: false,
      allowV6Keys: false,
    });
    expect(armored).toContain("-----BEGIN PGP MESSAGE-----");
  });

  it("refuses an unknown option by name, in each encrypt function", async () => {
    const bogus = { hideRecipient: true } as never;
    for (const run of [
      () => encryptUtf8(keys.publicKeyArmored, "hi", bogus),
      () => encryptBytes(keys.publicKeyArmored, new Uint8Array([1]), bogus),
      () => encryptStream(keys.publicKeyArmored, oneChunk(), bogus),
    ]) {
      const error = await failureOf(run);
      expect(error.code).toBe("invalid_options");
      expect(error.message).toContain('"hideRecipient"');
    }
  });

  it("refuses an armored key given as signingKey", async () => {
    const error = await failureOf(() =>
      encryptUtf8(keys.publicKeyArmored, "hi", { signingKey: keys.privateKeyArmored as never }),
    );
    expect(error.code).toBe("invalid_options");
    expect(error.message).toContain("signingKey");
    expect(error.message).not.toContain("PRIVATE KEY");
  });
});
