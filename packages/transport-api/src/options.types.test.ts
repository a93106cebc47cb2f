// Each public options type is written twice: a TSDoc'd interface (what users read on hover) and
// the zod schema that checks it at run time. These tests make `tsc` (the `typecheck` script) fail
// when the two drift apart: a key in one and not the other, a key optional in one only, or a
// different value type. expectTypeOf does nothing at run time; the assertions are the types.
import type { MailTransport } from "@assmbl/core";
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type {
  UploadAttachmentInput,
  UploadInputSchema,
  UploadRequestInputSchema,
} from "./attachment-calls.js";
import type { CallOptions } from "./call-options.js";
import type {
  AgentMailClient,
  AgentMailClientOptions,
  OptionsSchema as ClientOptionsSchema,
} from "./client.js";
import type { FetchMessageOptions, FetchOptionsSchema } from "./fetch-message.js";
import type { InboxQuery, InboxQueryOptionsSchema } from "./inbox.js";
import type { RetryOptions, RetryOptionsSchema, SignalOptionsSchema } from "./options.js";
import type {
  ApiTransportOptions,
  SendOptionsSchema,
  OptionsSchema as TransportOptionsSchema,
} from "./transport.js";
import type { InputSchema as WebhookInputSchema, WebhookSignatureInput } from "./webhook.js";

// zod's input type writes an optional key as `key?: T | undefined`; an interface may write
// `key?: T`. Both sides drop `undefined` from optional keys only, so keys, optionality and every
// other part of the value types still have to match exactly.
type Exact<T> = {
  [K in keyof T]: Partial<Pick<T, K>> extends Pick<T, K> ? Exclude<T[K], undefined> : T[K];
};
type Input<S extends z.ZodType> = Exact<NonNullable<z.input<S>>>;
// Argument `I` of a client method, as a caller passes it.
type ArgOf<M extends keyof AgentMailClient, I extends number> = Exact<
  NonNullable<Parameters<AgentMailClient[M]>[I]>
>;

describe("options types agree with their schemas", () => {
  it("ApiTransportOptions (apiTransport)", () => {
    expectTypeOf<Exact<ApiTransportOptions>>().toEqualTypeOf<
      Input<typeof TransportOptionsSchema>
    >();
  });

  it("core's TransportSendOptions (apiTransport's send)", () => {
    expectTypeOf<Exact<NonNullable<Parameters<MailTransport["send"]>[1]>>>().toEqualTypeOf<
      Input<typeof SendOptionsSchema>
    >();
  });

  it("AgentMailClientOptions (createAgentMailClient)", () => {
    expectTypeOf<Exact<AgentMailClientOptions>>().toEqualTypeOf<
      Input<typeof ClientOptionsSchema>
    >();
  });

  it("RetryOptions (the retry option of both)", () => {
    expectTypeOf<Exact<RetryOptions>>().toEqualTypeOf<Input<typeof RetryOptionsSchema>>();
  });

  it("CallOptions (every client call's last argument)", () => {
    expectTypeOf<Exact<CallOptions>>().toEqualTypeOf<Input<typeof SignalOptionsSchema>>();
  });

  it("InboxQuery (listInbox, iterInbox)", () => {
    expectTypeOf<Exact<InboxQuery>>().toEqualTypeOf<Input<typeof InboxQueryOptionsSchema>>();
  });

  it("FetchMessageOptions (fetchMessage)", () => {
    expectTypeOf<Exact<FetchMessageOptions>>().toEqualTypeOf<Input<typeof FetchOptionsSchema>>();
    expectTypeOf<ArgOf<"fetchMessage", 1>>().toEqualTypeOf<Input<typeof FetchOptionsSchema>>();
  });

  it("the inputs of requestAttachmentUpload and uploadAttachment", () => {
    expectTypeOf<ArgOf<"requestAttachmentUpload", 0>>().toEqualTypeOf<
      Input<typeof UploadRequestInputSchema>
    >();
    expectTypeOf<Exact<UploadAttachmentInput>>().toEqualTypeOf<Input<typeof UploadInputSchema>>();
    expectTypeOf<ArgOf<"uploadAttachment", 0>>().toEqualTypeOf<Input<typeof UploadInputSchema>>();
  });

  it("WebhookSignatureInput (verifyWebhookSignature)", () => {
    expectTypeOf<Exact<WebhookSignatureInput>>().toEqualTypeOf<Input<typeof WebhookInputSchema>>();
  });
});
