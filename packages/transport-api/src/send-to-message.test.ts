// From a send to the delivered message, through the SDK against the dev server: the `messageId`
// a send returns is the id of the message in the (first local) recipient's inbox, so the
// recipient's `fetchMessage(result.messageId)` reads it; an encrypted message's Bcc copies each
// carry their own `messageId`, which fetches that recipient's copy. A receiver that does not have
// the result finds the message in its inbox by subject and checks the correlation id.

import { afterAll, beforeAll, expect, it } from "vitest";
import { createAgentMailClient } from "./index.js";
import { type Platform, RECEIVER, SENDER, startPlatform } from "./testing/platform.js";

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform();
}, 60_000);
afterAll(async () => {
  await platform?.stop();
});

it("fetches the delivered message with the messageId the send returned", async () => {
  const result = await platform.mailer().send({
    to: RECEIVER,
    subject: "send to message",
    text: "found by the send's id",
    encrypt: true,
    correlationId: "corr-send-to-message",
  });
  expect(result.copies[0]?.delivery).toEqual([{ address: RECEIVER, status: "delivered" }]);
  const message = await platform.inbox.fetchMessage(result.messageId, {
    decryptWith: platform.receiverKey,
  });
  expect(message.id).toBe(result.messageId);
  expect(message.bodyTextDecrypted).toBe("found by the send's id");
  expect(message.headers["x-agentmail-correlation-id"]).toBe(result.correlationId);

  // Without the result: the inbox by subject, and the correlation id on the message.
  const ids: string[] = [];
  for await (const item of platform.inbox.iterInbox({ q: "send to message" })) ids.push(item.id);
  expect(ids).toEqual([result.messageId]);
});

it("gives each Bcc copy of an encrypted send the id of that recipient's copy", async () => {
  const result = await platform.mailer().send({
    to: RECEIVER,
    bcc: SENDER,
    subject: "copies and their ids",
    text: "one copy each",
    encrypt: true,
  });
  expect(result.copies.map((copy) => copy.kind)).toEqual(["primary", "bcc"]);
  const [primary, bcc] = result.copies;
  const own = createAgentMailClient({
    baseUrl: platform.server.url,
    token: platform.senderToken,
  });
  const received = await platform.inbox.fetchMessage(primary?.messageId ?? "", {
    decryptWith: platform.receiverKey,
  });
  const copy = await own.fetchMessage(bcc?.messageId ?? "", { decryptWith: platform.senderKey });
  expect([received.bodyTextDecrypted, copy.bodyTextDecrypted]).toEqual([
    "one copy each",
    "one copy each",
  ]);
  // An inbox id is its agent's: the receiver cannot read the sender's copy with it.
  await expect(platform.inbox.getMessage(bcc?.messageId ?? "")).rejects.toMatchObject({
    code: "not_found",
  });
});
