// Network failures from the real AWS SDK client, on loopback: a port nobody listens on (the
// request never leaves: retried, then network_error) and a server that reads the request and
// drops the connection (SES may have the message: not retried, transport_failed).

import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import { SESClient } from "@aws-sdk/client-ses";
import { afterEach, describe, expect, it } from "vitest";
import { DUMMY_CREDENTIALS, errorOf, fakeRuntime, preparePlain } from "./testing/fixtures.js";
import { createSesTransport } from "./transport.js";

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(
    servers
      .splice(0)
      .map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
});

async function listen(onRequest: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.once("data", () => onRequest(socket));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function clientFor(port: number): SESClient {
  return new SESClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: DUMMY_CREDENTIALS,
    maxAttempts: 1,
  });
}

const message = () =>
  preparePlain({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello" });

describe("network failures through the real SDK client", () => {
  it("retries a refused connection (nothing left), then fails with network_error", async () => {
    const port = await listen(() => {});
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
    const runtime = fakeRuntime();
    const error = await errorOf(
      createSesTransport({ client: clientFor(port) }, runtime).send(await message(), {}),
    );
    expect(error.code).toBe("network_error");
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).toContain("3 attempts");
    expect(runtime.sleeps).toHaveLength(2);
  });

  it("does not retry a connection dropped after the request was read", async () => {
    let requests = 0;
    const port = await listen((socket) => {
      requests += 1;
      socket.destroy();
    });
    const error = await errorOf(
      createSesTransport({ client: clientFor(port) }, fakeRuntime()).send(await message(), {}),
    );
    expect(requests).toBe(1);
    expect(error.code).toBe("transport_failed");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("may have been sent");
  });
});
