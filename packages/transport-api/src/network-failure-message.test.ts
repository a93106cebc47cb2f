// What a user reads when the platform cannot be reached: the host and port it tried and the
// cause code, never the query string or the token. Against a real closed loopback port.

import { createMailer } from "@assmbl/core";
import { closedPort } from "@assmbl/testing/ports";
import { describe, expect, it } from "vitest";
import { createAgentMailClient } from "./client.js";
import { errorOf } from "./testing/fixtures.js";
import { apiTransport } from "./transport.js";

const TOKEN = "am_network_message_token_0123456789";
const noRetry = { limit: 0 };

describe("a refused connection names the host and the cause", () => {
  it("createAgentMailClient(...).listInbox()", async () => {
    const port = await closedPort();
    const client = createAgentMailClient({
      baseUrl: `http://127.0.0.1:${port}`,
      token: TOKEN,
      retry: noRetry,
    });
    const error = await errorOf(client.listInbox());
    expect(error.code).toBe("network_error");
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).not.toContain(TOKEN);
    // The thrown fetch error stays reachable for whoever needs the details.
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("apiTransport through createMailer", async () => {
    const port = await closedPort();
    const mailer = createMailer(
      apiTransport({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN, retry: noRetry }),
      { from: "my-agent@agents.example.com", mailDomain: "agents.example.com" },
    );
    const error = await errorOf(
      mailer.send({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello" }),
    );
    expect(error.code).toBe("network_error");
    expect(error.message).toContain(`could not connect to 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(error.message).not.toContain(TOKEN);
  });
});
