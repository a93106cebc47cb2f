// Each public options type is written twice: a TSDoc'd interface and the zod schema that checks
// it at run time. `tsc` (the typecheck script) fails when the two drift apart.
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type {
  EnqueueOptions,
  EnqueueOptionsSchema,
  OutboxOptions,
  OutboxOptionsSchema,
  OutboxWorkerOptions,
  OutboxWorkerOptionsSchema,
  RedisRateLimiterOptions,
  RedisRateLimiterOptionsSchema,
} from "./options.js";

type Exact<T> = {
  [K in keyof T]: Partial<Pick<T, K>> extends Pick<T, K> ? Exclude<T[K], undefined> : T[K];
};
type Input<S extends z.ZodType> = Exact<NonNullable<z.input<S>>>;
type Keys<T> = keyof T;

describe("options types agree with their schemas", () => {
  it("have the same keys, equally optional", () => {
    expectTypeOf<Keys<Exact<OutboxOptions>>>().toEqualTypeOf<
      Keys<Input<typeof OutboxOptionsSchema>>
    >();
    expectTypeOf<Keys<Exact<OutboxWorkerOptions>>>().toEqualTypeOf<
      Keys<Input<typeof OutboxWorkerOptionsSchema>>
    >();
    expectTypeOf<Exact<RedisRateLimiterOptions>["maxPerSecond"]>().toEqualTypeOf<
      Input<typeof RedisRateLimiterOptionsSchema>["maxPerSecond"]
    >();
    expectTypeOf<Exact<EnqueueOptions>>().toEqualTypeOf<Input<typeof EnqueueOptionsSchema>>();
    expectTypeOf<Exact<OutboxWorkerOptions>["rateLimit"]>().toEqualTypeOf<
      Input<typeof OutboxWorkerOptionsSchema>["rateLimit"]
    >();
    expectTypeOf<Exact<OutboxWorkerOptions>["unknownOutcome"]>().toEqualTypeOf<
      Input<typeof OutboxWorkerOptionsSchema>["unknownOutcome"]
    >();
  });
});
