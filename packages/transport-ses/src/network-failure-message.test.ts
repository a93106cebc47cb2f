// What a user reads when SES cannot be reached: the host and port the SES client tried and the
// cause code, never the credentials. The real AWS SDK client against a closed loopback port.

import { AgentMailError, createMailer } from "@assmbl/core";
import { closedPort } from "@assmbl/testing/ports";
import { SESClient } from "@aws-sdk/client-ses";
import { describe, expect, it } from "vitest";
import { sesTransport } from "./transport.js";

// Distinctive, so that the assertion below cannot pass by accident.
const CREDENTIALS = {
  accessKeyId: "AKIANETWORKTEST",
  secretAccessKey: "ses-network-secret-0123456789",
};

describe("a refused connection names the host and the cause", () => {
  it("sesTransport through createMailer", async () => {
    const port = await closedPort();
    const client = new SESClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    const mailer = createMailer(sesTransport({ client, maxAttempts: 1 }), {
      from: "my-agent@agents.example.com",
      mailDomain: "agents.example.com",
    });
    const error = await mailer
      .send({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello" })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    if (!AgentMailError.is(error)) throw new Error(`expected an AgentMailError, got ${error}`);
    expect(error.code).toBe("network_error");
    expect(error.message).toContain(`could not connect to 127.0.0.1:${port} (ECONNREFUSED`);
    expect(error.message).not.toContain(CREDENTIALS.secretAccessKey);
    expect(error.cause).toBeInstanceOf(Error);
  });
});
