// `freshKeys` sends fail closed: when the directory cannot be asked, the send fails with
// directory_unavailable and nothing reaches the transport, even though the cache still holds a
// key (it may have been revoked since). A send without freshKeys still uses that key
// (stale-if-error), as documented.
import { createMailer, type MailTransport, type PreparedMessage } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf } from "./testing/fixtures.js";
import { MAIL_DOMAIN, type Platform, RECEIVER, SENDER, startPlatform } from "./testing/platform.js";

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform();
}, 60_000);
afterAll(async () => {
  await platform?.stop();
});

describe("freshKeys and a directory that is down", () => {
  it("fails the send (directory_unavailable, no transport call); without freshKeys the stale key serves", async () => {
    const sent: PreparedMessage[] = [];
    const transport: MailTransport = {
      specificationVersion: "v1",
      name: "recording",
      async send(message) {
        sent.push(message);
        return { messageId: `<m${sent.length}@test>` };
      },
    };
    const mailer = createMailer(transport, {
      from: SENDER,
      mailDomain: MAIL_DOMAIN,
      directory: createDirectory({
        baseUrl: platform.server.url,
        ttlMs: 1,
        staleIfErrorMs: 60_000,
        retry: { limit: 0 },
      }),
      crypto: openpgpCrypto(),
    });
    const message = { to: RECEIVER, subject: "s", text: "secret" };
    await mailer.send({ ...message, encrypt: { body: true } });
    expect(sent).toHaveLength(1);

    platform.server.setFaults({ failRate: 1, paths: /^\/public\/agents\// });
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const error = await errorOf(
        mailer.send({ ...message, encrypt: { body: true, freshKeys: true } }),
      );
      expect(error).toMatchObject({ code: "directory_unavailable" });
      expect(sent).toHaveLength(1);
      await mailer.send({ ...message, encrypt: { body: true } });
      expect(sent).toHaveLength(2);
    } finally {
      platform.server.setFaults({});
    }
  });
});
