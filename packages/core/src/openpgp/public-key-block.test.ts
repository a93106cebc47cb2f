import { readPgpyKeyFile } from "@assmbl/testing/pgpy-key-files";
import { describe, expect, it } from "vitest";
import { armored, dearmored, GENERATED_ECC } from "../testing/openpgp-fixtures.js";
import { publicKeyBlockProblem } from "./public-key-block.js";

const keyFile = (file: string) => readPgpyKeyFile(file);
const secret = keyFile("gpg-ed25519.sec.asc");
const publicKey = keyFile("gpg-ed25519.pub.asc");

describe("publicKeyBlockProblem", () => {
  it("a public key, or several public key blocks, CRLF or not: no problem", () => {
    expect(publicKeyBlockProblem(publicKey)).toBeUndefined();
    expect(publicKeyBlockProblem(`${publicKey}\n${GENERATED_ECC.armored}`)).toBeUndefined();
    expect(publicKeyBlockProblem(publicKey.replaceAll("\n", "\r\n"))).toBeUndefined();
  });

  it.each([
    ["a private key block", secret, "it is a PGP PRIVATE KEY BLOCK, not a public key"],
    [
      "a private key block after a public one",
      `${publicKey}\n${secret}`,
      "it holds a PGP PRIVATE KEY BLOCK, not a public key",
    ],
    [
      "secret-key packets under a PUBLIC KEY BLOCK label",
      secret.replaceAll("PRIVATE KEY BLOCK", "PUBLIC KEY BLOCK"),
      "it holds a secret-key packet (private key material) under a PUBLIC KEY BLOCK label",
    ],
    [
      "a private key block pasted inside other text",
      `notes: ${secret}`,
      "it holds a PGP PRIVATE KEY BLOCK",
    ],
    [
      "a message",
      armored(dearmored(GENERATED_ECC.armored), "MESSAGE"),
      "it is a PGP MESSAGE, not a public key",
    ],
    [
      "no armor",
      "mDMEawxjuRYJKwYBBAHaRw8BAQdA",
      "it is not ASCII-armored (no -----BEGIN PGP PUBLIC KEY BLOCK----- line)",
    ],
  ])("%s", (_label, text, problem) => {
    expect(publicKeyBlockProblem(text)).toBe(problem);
  });

  it("an armor whose packets cannot be read cannot be checked, so it is not taken for public", () => {
    const damaged = GENERATED_ECC.armored.replace("xjMEaw", "xjMEbw");
    expect(publicKeyBlockProblem(damaged)).toMatch(/cannot be checked for private key material/);
  });

  it("never quotes the text", () => {
    const body = secret.split("\n")[2] as string;
    for (const text of [
      secret,
      `${publicKey}\n${secret}`,
      secret.replaceAll("PRIVATE", "PUBLIC"),
    ]) {
      expect(publicKeyBlockProblem(text)).not.toContain(body.slice(0, 12));
    }
    expect(publicKeyBlockProblem("-----BEGIN PGP my secret words-----\n")).toBe(
      "it holds an armored block that is not a public key",
    );
  });
});
