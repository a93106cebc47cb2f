// Each public options type is written twice: a TSDoc'd interface (what users read on hover) and
// the zod schema that checks it at run time. These tests make `tsc` (the `typecheck` script) fail
// when the two drift apart: a key in one and not the other, a key optional in one only, or a
// different value type. expectTypeOf does nothing at run time; the assertions are the types.
import type { KeyLookupOptions } from "@assmbl/core";
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { RegisterInputSchema } from "./account.js";
import type { SignalOptionsSchema } from "./call-helpers.js";
import type { Directory, RegisterInput } from "./directory.js";
import type { LookupOptionsSchema } from "./lookup.js";
import type { DirectoryOptions, DirectoryOptionsSchema } from "./options.js";
import type { RegisterOptions, RegisterOptionsSchema } from "./pgpy-guard.js";
import type { DirectoryRetry } from "./retrying-fetch.js";

// zod's input type writes an optional key as `key?: T | undefined`; an interface may write
// `key?: T`. Both sides drop `undefined` from optional keys only, so keys, optionality and every
// other part of the value types still have to match exactly.
type Exact<T> = {
  [K in keyof T]: Partial<Pick<T, K>> extends Pick<T, K> ? Exclude<T[K], undefined> : T[K];
};
type Input<S extends z.ZodType> = Exact<NonNullable<z.input<S>>>;
// The options a directory method declares, as a caller passes them.
type OptionsOf<M extends keyof Directory, I extends number> = Directory[M] extends (
  ...args: infer P
) => unknown
  ? Exact<NonNullable<P[I]>>
  : never;

describe("options types agree with their schemas", () => {
  it("DirectoryOptions (createDirectory)", () => {
    expectTypeOf<Exact<DirectoryOptions>>().toEqualTypeOf<Input<typeof DirectoryOptionsSchema>>();
    expectTypeOf<Exact<NonNullable<DirectoryOptions["retry"]>>>().toEqualTypeOf<
      Exact<NonNullable<z.input<typeof DirectoryOptionsSchema>["retry"]>>
    >();
    // What the engine's policy is built from: every parsed retry option, maxElapsedMs included.
    expectTypeOf<Exact<DirectoryRetry>>().toEqualTypeOf<
      Exact<z.output<typeof DirectoryOptionsSchema>["retry"]>
    >();
  });

  it("RegisterInput and RegisterOptions (register)", () => {
    expectTypeOf<Exact<RegisterInput>>().toEqualTypeOf<Input<typeof RegisterInputSchema>>();
    expectTypeOf<OptionsOf<"register", 0>>().toEqualTypeOf<Input<typeof RegisterInputSchema>>();
    expectTypeOf<Exact<RegisterOptions>>().toEqualTypeOf<Input<typeof RegisterOptionsSchema>>();
    expectTypeOf<OptionsOf<"register", 1>>().toEqualTypeOf<Input<typeof RegisterOptionsSchema>>();
  });

  it("core's KeyLookupOptions (lookup)", () => {
    expectTypeOf<Exact<KeyLookupOptions>>().toEqualTypeOf<Input<typeof LookupOptionsSchema>>();
    expectTypeOf<OptionsOf<"lookup", 1>>().toEqualTypeOf<Input<typeof LookupOptionsSchema>>();
  });

  it("the signal-only options of lookupPricing and revoke", () => {
    expectTypeOf<OptionsOf<"lookupPricing", 1>>().toEqualTypeOf<
      Input<typeof SignalOptionsSchema>
    >();
    expectTypeOf<OptionsOf<"revoke", 0>>().toEqualTypeOf<Input<typeof SignalOptionsSchema>>();
  });
});
