// Each public options type is written twice: a TSDoc'd interface (what users read on hover) and
// the zod schema that checks it at run time. These tests make `tsc` (the `typecheck` script) fail
// when the two drift apart: a key in one and not the other, a key optional in one only, or a
// different value type. expectTypeOf does nothing at run time; the assertions are the types.
import type { MailTransport } from "@assmbl/core";
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { PlainEmail, PlainEmailSchema } from "./plain.js";
import type {
  SendOptionsSchema,
  SesTransportOptions,
  OptionsSchema as TransportOptionsSchema,
} from "./transport.js";

// zod's input type writes an optional key as `key?: T | undefined`; an interface may write
// `key?: T`. Both sides drop `undefined` from optional keys only, so keys, optionality and every
// other part of the value types still have to match exactly.
type Exact<T> = {
  [K in keyof T]: Partial<Pick<T, K>> extends Pick<T, K> ? Exclude<T[K], undefined> : T[K];
};
type Input<S extends z.ZodType> = Exact<NonNullable<z.input<S>>>;

describe("options types agree with their schemas", () => {
  it("SesTransportOptions (sesTransport)", () => {
    expectTypeOf<Exact<SesTransportOptions>>().toEqualTypeOf<
      Input<typeof TransportOptionsSchema>
    >();
  });

  it("core's TransportSendOptions (sesTransport's send)", () => {
    expectTypeOf<Exact<NonNullable<Parameters<MailTransport["send"]>[1]>>>().toEqualTypeOf<
      Input<typeof SendOptionsSchema>
    >();
  });

  it("PlainEmail (sendPlainEmail)", () => {
    expectTypeOf<Exact<PlainEmail>>().toEqualTypeOf<Input<typeof PlainEmailSchema>>();
  });
});
