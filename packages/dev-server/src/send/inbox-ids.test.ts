// Inbox ids of what `/send` delivers: the first local recipient's copy has the answer's own
// `message_id`, every other local recipient's copy an id of its own (in the delivery report, not
// in the answer), each readable only with that agent's token. The SES endpoint
// delivers through the same code, so its `MessageId` is the first local recipient's inbox id.
import { describe, expect, it } from "vitest";
import { deliverMessage } from "../delivery.js";
import { DevStore } from "../store.js";
import { useServers } from "../testing/helpers.js";
import {
  call,
  MY_TOKEN,
  messagePath,
  OTHER_TOKEN,
  PLATFORM_AGENTS,
  send,
} from "../testing/platform.js";

const serve = useServers();
const OTHER = "other-agent@agents.localhost";
const THIRD = "third-agent@agents.localhost";

describe("inbox ids of a send", () => {
  it("gives the first local recipient's copy the send's message_id and every other copy its own", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const response = await send(server, MY_TOKEN, {
      to: [OTHER, "someone@elsewhere.example.net"],
      bcc: [THIRD],
      subject: "ids",
      body: "hello",
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      message_id: string;
      recipients: { address: string; status: string }[];
    };
    expect(answer.recipients).toEqual([
      { address: OTHER, status: "delivered" },
      { address: "someone@elsewhere.example.net", status: "outbound" },
      { address: THIRD, status: "delivered" },
    ]);
    expect(server.store.inbox("other-agent").map((m) => m.id)).toEqual([answer.message_id]);
    const third = { message_id: server.store.inbox("third-agent")[0]?.id };
    expect(third.message_id).toBeDefined();
    expect(third.message_id).not.toBe(answer.message_id);

    expect((await call(server, messagePath(answer.message_id), OTHER_TOKEN)).status).toBe(200);
    expect(
      (await call(server, messagePath(third.message_id ?? ""), "token-third-agent")).status,
    ).toBe(200);
    // An inbox id is its agent's own: another token does not read it.
    expect((await call(server, messagePath(answer.message_id), MY_TOKEN)).status).toBe(404);
  });

  it("falls back to a new id when the answered one is taken, and refuses an id no path can carry", async () => {
    const store = new DevStore();
    await store.addAgent({ agentId: "a" });
    await store.addAgent({ agentId: "b" });
    const raw = new TextEncoder().encode("From: a@agents.localhost\r\nSubject: s\r\n\r\nx\r\n");
    const deliver = (agentId: string) =>
      deliverMessage(store, {
        via: "ses",
        messageId: "ses-id-1",
        agentId: "a",
        from: "a@agents.localhost",
        recipients: [
          {
            address: `${agentId}@agents.localhost`,
            localPart: agentId,
            domain: "agents.localhost",
          } as never,
        ],
        raw,
        options: {},
      });
    expect(deliver("b").recipients[0]).toEqual({
      address: "b@agents.localhost",
      status: "delivered",
      messageId: "ses-id-1",
    });
    const second = deliver("a").recipients[0]?.messageId;
    expect(second).not.toBe("ses-id-1");
    expect(store.message(second ?? "")?.agentId).toBe("a");
    for (const id of ["", "..", "a/b", "a b", "x".repeat(257)]) {
      expect(() => store.deliver("a", raw, { id })).toThrow(
        expect.objectContaining({ code: "invalid_options" }),
      );
    }
  });
});
