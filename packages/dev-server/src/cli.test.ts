import { readFile } from "node:fs/promises";
import { PricingSchema, Routes, routePath } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { runCli, USAGE } from "./cli.js";

async function run(argv: string[]) {
  const lines: string[] = [];
  const server = await runCli(argv, { log: (line) => lines.push(line) });
  return { server, lines };
}

describe("agentmail-dev", () => {
  it("starts the server, prints its URL and each agent's token and SES credentials, and answers requests", async () => {
    const { server, lines } = await run([
      "--port",
      "0",
      "--mail-domain",
      "agents.test",
      "--agent",
      "Alice",
      "--agent",
      "bob:bob-token-123",
    ]);
    try {
      if (!server) throw new Error("no server");
      expect(lines[0]).toBe(
        `AgentMail dev server listening on ${server.url} (mail domain agents.test)`,
      );
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ses = (id: string) =>
        `ses-access-key-id ${server.agents[id]?.ses.accessKeyId}  ses-secret-access-key ${server.agents[id]?.ses.secretAccessKey}`;
      expect(lines[1]).toMatch(
        /^ {2}web inbox \(open in a browser on this machine\): http:\/\/127\.0\.0\.1:\d+\/\?token=amui_[\w-]{32}$/,
      );
      expect(lines.slice(2)).toEqual([
        `  alice  token ${server.agents.alice?.token}  ${ses("alice")}`,
        `  bob  token bob-token-123  ${ses("bob")}`,
      ]);
      expect(server.agents.bob?.ses.accessKeyId).toMatch(/^AKIADEV[A-Z2-7]{13}$/);
      const response = await fetch(
        server.url + routePath(Routes.getPricing, { agent_id: "alice" }),
      );
      expect(PricingSchema.parse(await response.json()).pricing_model).toBe("free");
      const revoke = await fetch(server.url + Routes.revoke.path, {
        method: "POST",
        headers: { authorization: "Bearer bob-token-123", "content-type": "application/json" },
        body: "{}",
      });
      // bob has no key yet: the token was accepted, the agent has nothing to revoke.
      expect(revoke.status).toBe(404);
    } finally {
      await server?.stop();
    }
  });

  it("takes --host", async () => {
    const { server } = await run(["--port", "0", "--host", "127.0.0.1"]);
    try {
      expect(server?.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    } finally {
      await server?.stop();
    }
  });

  it("takes --attachment-processing-ms and the fault flags", async () => {
    const { server } = await run([
      "--port",
      "0",
      "--agent",
      "me:me-token",
      "--attachment-processing-ms",
      "60000",
      "--fail-rate",
      "1",
    ]);
    try {
      if (!server) throw new Error("no server");
      expect(server.store.attachmentProcessingMs).toBe(60_000);
      const response = await fetch(server.url + Routes.listInbox.path, {
        headers: { authorization: "Bearer me-token" },
      });
      expect(response.status).toBe(503);
      server.setFaults({});
      const ok = await fetch(server.url + Routes.listInbox.path, {
        headers: { authorization: "Bearer me-token" },
      });
      expect(ok.status).toBe(200);
    } finally {
      await server?.stop();
    }
  });

  it("takes --ses-max-send-rate: the SES endpoint enforces and reports it", async () => {
    const { server } = await run(["--port", "0", "--agent", "me", "--ses-max-send-rate", "3"]);
    try {
      if (!server) throw new Error("no server");
      expect(server.ses.sendRate).toMatchObject({ enforced: true, maxSendRate: 3 });
      expect(server.ses.sendQuota().maxSendRate).toBe(3);
    } finally {
      await server?.stop();
    }
    const { server: unlimited } = await run(["--port", "0"]);
    try {
      expect(unlimited?.ses.sendRate).toMatchObject({ enforced: false, maxSendRate: 14 });
    } finally {
      await unlimited?.stop();
    }
    expect(USAGE).toContain("--ses-max-send-rate <n>");
  });

  it("prints help and starts nothing", async () => {
    const { server, lines } = await run(["--help"]);
    expect(server).toBeUndefined();
    expect(lines).toEqual([USAGE]);
    expect(USAGE).toContain("--port <n>");
    expect(USAGE).toContain("default 8025");
  });

  it.each([
    [["--prot", "1"], /Unknown option '--prot'/],
    [["extra"], /Unexpected argument 'extra'/],
    [["--port", "http"], /--port must be 0-65535/],
    [["--port", "99999"], /--port must be 0-65535/],
    [["--port", "0", "--agent", "bad id"], /agents\.0\.agentId/],
    [["--port", "0", "--mail-domain", "no spaces please"], /mailDomain/],
    [["--port", "0", "--fail-rate", "1.5"], /--fail-rate must be a number from 0 to 1/],
    [["--port", "0", "--drop-response-rate=-0.1"], /--drop-response-rate must be/],
    [["--port", "0", "--rate-limit-rate", "x"], /--rate-limit-rate must be/],
    [["--port", "0", "--latency-ms", "1.5"], /--latency-ms must be a whole number/],
    [["--port", "0", "--latency-ms", "999999999"], /faults\.latencyMs/],
    [["--port", "0", "--attachment-processing-ms", "soon"], /--attachment-processing-ms must be/],
    [["--port", "0", "--ses-max-send-rate", "0"], /--ses-max-send-rate must be a whole number/],
    [["--port", "0", "--ses-max-send-rate", "2.5"], /--ses-max-send-rate must be a whole number/],
    [["--port", "0", "--ses-max-send-rate", "100001"], /from 1 to 100000/],
    [["--port", "0", "--ses-max-send-rate"], /argument missing|requires a value|expects/i],
    [["--port", "0", "--with-keys"], /--with-keys needs at least one --agent/],
    [
      ["--port", "0", "--agent", "a", "--keys-dir", "/tmp"],
      /--keys-dir is where --with-keys writes/,
    ],
    [["--port", "0", "--agent", "bad id", "--with-keys"], /agents\.0\.agentId/],
  ])("%j is invalid_options", async (argv, message) => {
    const error = await runCli(argv, { log: () => {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: "invalid_options",
      message: expect.stringMatching(message),
    });
  });

  it("the executable is a thin wrapper around runCli", async () => {
    const source = await readFile(new URL("./bin.ts", import.meta.url), "utf8");
    expect(source.startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(source).toContain('import { runCli } from "./cli.js"');
    expect(source.split("\n").length).toBeLessThan(30);
  });
});
