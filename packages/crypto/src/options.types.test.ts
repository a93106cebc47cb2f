// Each public options type is written twice: a TSDoc'd interface (what users read on hover) and
// the zod schema that checks it at run time. These tests make `tsc` (the `typecheck` script) fail
// when the two drift apart: a key in one and not the other, a key optional in one only, or a
// different value type. expectTypeOf does nothing at run time; the assertions are the types.
import type { DecryptOptions } from "@assmbl/core";
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { DecryptOptionsSchema, DecryptWithKeyOptions } from "./decrypt.js";
import type { DecryptOptionsSchema as MailDecryptOptionsSchema } from "./decrypt-options.js";
import type { EncryptOptions, EncryptOptionsSchema } from "./encrypt.js";
import type { GenerateKeyPairOptions, GenerateOptionsSchema } from "./keys.js";
import type { OpenpgpCryptoOptions, OptionsSchema as OpenpgpCryptoSchema } from "./mail-crypto.js";
import type { RepairKeyOptions, OptionsSchema as RepairSchema } from "./pgpy-repair.js";

// zod's input type writes an optional key as `key?: T | undefined`; an interface may write
// `key?: T`. Both sides drop `undefined` from optional keys only, so keys, optionality and every
// other part of the value types still have to match exactly.
type Exact<T> = {
  [K in keyof T]: Partial<Pick<T, K>> extends Pick<T, K> ? Exclude<T[K], undefined> : T[K];
};
type Input<S extends z.ZodType> = Exact<NonNullable<z.input<S>>>;

describe("options types agree with their schemas", () => {
  it("EncryptOptions (encryptUtf8, encryptBytes, encryptStream)", () => {
    expectTypeOf<Exact<EncryptOptions>>().toEqualTypeOf<Input<typeof EncryptOptionsSchema>>();
  });

  it("OpenpgpCryptoOptions", () => {
    expectTypeOf<Exact<OpenpgpCryptoOptions>>().toEqualTypeOf<Input<typeof OpenpgpCryptoSchema>>();
  });

  it("RepairKeyOptions", () => {
    expectTypeOf<Exact<RepairKeyOptions>>().toEqualTypeOf<Input<typeof RepairSchema>>();
  });

  it("GenerateKeyPairOptions", () => {
    expectTypeOf<Exact<GenerateKeyPairOptions>>().toEqualTypeOf<
      Input<typeof GenerateOptionsSchema>
    >();
  });

  it("DecryptWithKeyOptions (decryptUtf8, decryptBytes, decryptStream, decryptToSink)", () => {
    expectTypeOf<Exact<DecryptWithKeyOptions>>().toEqualTypeOf<
      Input<typeof DecryptOptionsSchema>
    >();
  });

  it("core's DecryptOptions (AgentPrivateKey's decryptText, decryptBytes, decryptInto)", () => {
    expectTypeOf<Exact<DecryptOptions>>().toEqualTypeOf<Input<typeof MailDecryptOptionsSchema>>();
  });
});
