// A send never vanishes silently: the dev server reports what became of each recipient (a local
// inbox, its outbound list for a domain it does not serve, or no such agent), and the mailer's
// result carries that report on the copy that went.
import { afterAll, beforeAll, expect, it } from "vitest";
import { MAIL_DOMAIN, type Platform, RECEIVER, startPlatform } from "./testing/platform.js";

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform();
}, 60_000);
afterAll(async () => {
  await platform?.stop();
});

it("reports delivered, outbound and unknown recipients on the send result", async () => {
  const outside = "someone@elsewhere.example.net";
  const ghost = `ghost@${MAIL_DOMAIN}`;
  const result = await platform.mailer().send({
    to: [RECEIVER, outside, ghost],
    subject: "where did it go",
    text: "hello",
  });
  expect(result.copies).toHaveLength(1);
  expect(result.copies[0]?.delivery).toEqual(
    expect.arrayContaining([
      { address: RECEIVER, status: "delivered" },
      { address: outside, status: "outbound" },
      { address: ghost, status: "unknown_agent" },
    ]),
  );
  expect(result.copies[0]?.delivery).toHaveLength(3);
  expect(platform.server.outbound.messages().map((mail) => mail.recipients)).toEqual([[outside]]);
});
