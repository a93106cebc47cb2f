// Each public options type is written twice: a TSDoc'd interface (what users read on hover) and
// the zod schema that checks it at run time. These tests make `tsc` (the `typecheck` script) fail
// when the two drift apart: a key in one and not the other, a key optional in one only, or a
// different value type. expectTypeOf does nothing at run time; the assertions are the types.
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { DevFaults, DevFaultsSchema } from "./faults.js";
import type {
  DevServerOptions,
  DevServerOptionsSchema,
  SeedAgent,
  SeedAgentSchema,
} from "./options.js";
import type { DevObjectInput, ObjectInputSchema } from "./storage/object-store.js";
import type {
  DevMessageUpdate,
  DevStoreOptions,
  MessageUpdateSchema,
  StoreOptionsSchema,
} from "./store.js";

// zod's input type writes an optional key as `key?: T | undefined`; an interface may write
// `key?: T`. Both sides drop `undefined` from optional keys only, so keys, optionality and every
// other part of the value types still have to match exactly.
type Exact<T> = {
  [K in keyof T]: Partial<Pick<T, K>> extends Pick<T, K> ? Exclude<T[K], undefined> : T[K];
};
type Input<S extends z.ZodType> = Exact<NonNullable<z.input<S>>>;

describe("options types agree with their schemas", () => {
  it("DevServerOptions (startDevServer)", () => {
    expectTypeOf<Exact<DevServerOptions>>().toEqualTypeOf<Input<typeof DevServerOptionsSchema>>();
  });

  it("SeedAgent (startDevServer's agents, store.addAgent)", () => {
    expectTypeOf<Exact<SeedAgent>>().toEqualTypeOf<Input<typeof SeedAgentSchema>>();
  });

  it("DevFaults (startDevServer's faults, server.setFaults)", () => {
    expectTypeOf<Exact<DevFaults>>().toEqualTypeOf<Input<typeof DevFaultsSchema>>();
  });

  it("DevStoreOptions and DevMessageUpdate (new DevStore, store.updateMessage)", () => {
    expectTypeOf<Exact<DevStoreOptions>>().toEqualTypeOf<Input<typeof StoreOptionsSchema>>();
    expectTypeOf<Exact<DevMessageUpdate>>().toEqualTypeOf<Input<typeof MessageUpdateSchema>>();
  });

  it("DevObjectInput (store.objects.put)", () => {
    expectTypeOf<Exact<DevObjectInput>>().toEqualTypeOf<Input<typeof ObjectInputSchema>>();
  });
});
