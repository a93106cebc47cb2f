// Each public options type is written twice: a TSDoc'd interface (what users read on hover) and

// the zod schema that checks it at run time. These tests make `tsc` (the `typecheck` script) fail
// when the two drift apart: a key in one and not the other, a key optional in one only, or a
// different value type. expectTypeOf does nothing at run time; the assertions are the types.
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { BackoffOptions } from "./backoff.js";
import type { WithOutcomeOptions, WithOutcomeSchema } from "./errors.js";
import type {
  ContentAttachmentSchema,
  MailerOptionsSchema,
  MailMessageSchema,
  SendOptionsSchema,
  StoredAttachmentSchema,
} from "./mailer/schemas.js";
import type {
  ContentAttachment,
  EncryptionRequest,
  MailerOptions,
  MailMessage,
  SendOptions,
  StoredAttachment,
} from "./mailer/types.js";
import type { PgpyKeyProblemsOptions, OptionsSchema as PgpyOptionsSchema } from "./pgpy-compat.js";
import type { ReadBodyOptions, ReadBodyOptionsSchema } from "./read-body.js";
import type { RetryClassification, RetryFailure } from "./retry/classification.js";
import type { RunWithRetriesOptions } from "./retry/engine.js";
import type { RetryPolicy } from "./retry/policy.js";
import type {
  RetryClassificationSchema,
  RetryFailureSchema,
  RetryPolicySchema,
  RunWithRetriesOptionsSchema,
} from "./retry/schemas.js";

// zod's input type writes an optional key as `key?: T | undefined`; an interface may write
// `key?: T`. Both sides drop `undefined` from optional keys only, so keys, optionality and every
// other part of the value types still have to match exactly.
type Exact<T> = {
  [K in keyof T]: Partial<Pick<T, K>> extends Pick<T, K> ? Exclude<T[K], undefined> : T[K];
};
type Input<S extends z.ZodType> = Exact<NonNullable<z.input<S>>>;

type MessageInput = z.input<typeof MailMessageSchema>;

describe("options types agree with their schemas", () => {
  it("MailerOptions is what createMailer checks", () => {
    expectTypeOf<Exact<MailerOptions>>().toEqualTypeOf<Input<typeof MailerOptionsSchema>>();
  });

  it("SendOptions is what mailer.send checks", () => {
    expectTypeOf<Exact<SendOptions>>().toEqualTypeOf<Input<typeof SendOptionsSchema>>();
  });

  it("MailMessage is what mailer.send checks (attachments are checked one by one)", () => {
    expectTypeOf<Exact<Omit<MailMessage, "attachments">>>().toEqualTypeOf<
      Exact<Omit<MessageInput, "attachments">>
    >();
    // The message schema takes any array and checks each element with the schemas below.
    expectTypeOf<keyof MailMessage>().toEqualTypeOf<keyof MessageInput>();
    expectTypeOf<Exact<EncryptionRequest>>().toEqualTypeOf<
      Exact<Extract<MessageInput["encrypt"], object>>
    >();
  });

  it("ContentAttachment and StoredAttachment", () => {
    expectTypeOf<Exact<ContentAttachment>>().toEqualTypeOf<Input<typeof ContentAttachmentSchema>>();
    expectTypeOf<Exact<StoredAttachment>>().toEqualTypeOf<Input<typeof StoredAttachmentSchema>>();
  });

  it("ReadBodyOptions", () => {
    expectTypeOf<Exact<ReadBodyOptions>>().toEqualTypeOf<Input<typeof ReadBodyOptionsSchema>>();
  });

  it("WithOutcomeOptions", () => {
    expectTypeOf<Exact<WithOutcomeOptions>>().toEqualTypeOf<
      Exact<z.input<typeof WithOutcomeSchema>["options"]>
    >();
  });

  it("the retry engine's RunWithRetriesOptions, RetryPolicy, RetryClassification, RetryFailure", () => {
    type PolicyInput = z.input<typeof RetryPolicySchema>;
    // Nested objects are compared one level at a time: Exact drops `undefined` at its own level.
    expectTypeOf<Exact<Omit<RunWithRetriesOptions, "policy">>>().toEqualTypeOf<
      Exact<Omit<z.input<typeof RunWithRetriesOptionsSchema>, "policy">>
    >();
    expectTypeOf<RunWithRetriesOptions["policy"]>().toEqualTypeOf<RetryPolicy>();
    expectTypeOf<Exact<Omit<RetryPolicy, "backoff" | "retryOn">>>().toEqualTypeOf<
      Exact<Omit<PolicyInput, "backoff" | "retryOn">>
    >();
    expectTypeOf<keyof RetryPolicy>().toEqualTypeOf<keyof PolicyInput>();
    expectTypeOf<Exact<BackoffOptions>>().toEqualTypeOf<
      Exact<NonNullable<PolicyInput["backoff"]>>
    >();
    expectTypeOf<Exact<RetryClassification>>().toEqualTypeOf<
      Input<typeof RetryClassificationSchema>
    >();
    expectTypeOf<Exact<RetryFailure>>().toEqualTypeOf<Input<typeof RetryFailureSchema>>();
  });

  it("PgpyKeyProblemsOptions", () => {
    expectTypeOf<Exact<PgpyKeyProblemsOptions>>().toEqualTypeOf<Input<typeof PgpyOptionsSchema>>();
  });
});
