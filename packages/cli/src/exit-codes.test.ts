// Exit codes and errors of the built bin where no platform is needed (usage errors, a closed
// port, webhook verification), and the secrets it was given never in what it prints.
import { createHmac } from "node:crypto";
import { closedPort } from "@assmbl/testing/ports";
import { describe, expect, it } from "vitest";
import { runCli, transcript } from "./testing/run-cli.js";

const TOKEN = "am_test_0123456789abcdefSECRET";
const WEBHOOK_SECRET = "whsec_cli_test_secret_value";
const ENV = {
  AGENTMAIL_API_BASE_URL: "http://127.0.0.1:9",
  AGENTMAIL_TOKEN: TOKEN,
  MAIL_DOMAIN: "agents.localhost",
  AGENTMAIL_AGENT_ID: "alice",
};

describe("usage errors exit 2", () => {
  it.each([
    ["an unknown option", ["send", "--bogus"]],
    ["a missing required option", ["send", "--subject", "x", "--text", "y"]],
    [
      "a transport that does not exist",
      ["send", "--to", "b@agents.localhost", "--subject", "x", "--text", "y", "--via", "smtp"],
    ],
    ["an unknown command", ["frobnicate"]],
    ["a bad --limit", ["inbox", "--limit", "0"]],
  ])("%s", async (_name, args) => {
    const run = await runCli(args, ENV);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: /);
    expect(run.stdout).toBe("");
  });

  it("a missing setting names its variable (invalid_options), before any request", async () => {
    const run = await runCli(["inbox"], { AGENTMAIL_API_BASE_URL: "http://127.0.0.1:9" });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error [invalid_options]: set AGENTMAIL_TOKEN\n");
  });

  it("--text and --text-file together are refused", async () => {
    const args = [
      "send",
      "--to",
      "b@agents.localhost",
      "--subject",
      "x",
      "--text",
      "y",
      "--text-file",
      "z",
    ];
    const run = await runCli([...args, "--json"], ENV);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      error: { code: "invalid_options", message: "give --text or --text-file, not both" },
    });
  });
});

describe("--json usage errors", () => {
  it("print {error: {code: invalid_options}} on stdout for commander's own refusals", async () => {
    for (const args of [
      ["send", "--bogus", "--json"],
      ["--json", "send", "--subject", "x", "--text", "y"],
    ]) {
      const run = await runCli(args, ENV);
      expect(run.code, args.join(" ")).toBe(2);
      const printed = JSON.parse(run.stdout);
      expect(printed.error.code).toBe("invalid_options");
      expect(printed.error.message).toMatch(/--bogus|--to/);
    }
  });

  it("go by the parsed option: a --json after -- is an argument, and asks no JSON", async () => {
    const run = await runCli(["lookup", "bob", "extra", "--", "--json"], ENV);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/too many arguments/);
  });
});

describe("help", () => {
  it.each([[[]], [["send"]], [["read"]], [["webhook", "verify"]], [["mcp"]], [["keygen"]]])(
    "agentmail %j --help exits 0 with usage on stdout",
    async (command) => {
      const run = await runCli([...command, "--help"], {});
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: agentmail/);
      expect(run.stdout).toContain("--json");
    },
  );
});

describe("network errors exit 3", () => {
  it("a closed port", async () => {
    const port = await closedPort();
    const env = { ...ENV, AGENTMAIL_API_BASE_URL: `http://127.0.0.1:${port}` };
    for (const args of [["lookup", "bob"], ["inbox"]]) {
      const run = await runCli(args, env);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/^error \[(directory_unavailable|network_error)\]: /);
    }
  });
});

describe("agentmail webhook verify", () => {
  const body = JSON.stringify({ event: "message.received", message_id: "m1" });
  const now = Math.floor(Date.now() / 1000);
  const sign = (timestamp: number, text: string) =>
    `v1=${createHmac("sha256", WEBHOOK_SECRET).update(`${timestamp}.${text}`).digest("hex")}`;
  const env = { AGENTMAIL_WEBHOOK_SECRET: WEBHOOK_SECRET };

  it("accepts a genuine delivery (exit 0)", async () => {
    const args = [
      "webhook",
      "verify",
      "--timestamp",
      String(now),
      "--signature",
      sign(now, body),
      "--json",
    ];
    const run = await runCli(args, env, body);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ valid: true });
  });

  it("refuses a tampered body (exit 1)", async () => {
    const args = ["webhook", "verify", "--timestamp", String(now), "--signature", sign(now, body)];
    const run = await runCli(args, env, body.replace("m1", "m2"));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error \[invalid_webhook_signature\]: /);
  });

  it("refuses a stale timestamp (exit 1)", async () => {
    const old = now - 3600;
    const run = await runCli(
      ["webhook", "verify", "--timestamp", String(old), "--signature", sign(old, body)],
      env,
      body,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error \[webhook_timestamp_out_of_range\]: /);
  });

  it("without the secret in the environment: a usage error", async () => {
    const run = await runCli(
      ["webhook", "verify", "--timestamp", "1", "--signature", "v1=00"],
      {},
      body,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error [invalid_options]: set AGENTMAIL_WEBHOOK_SECRET\n");
  });
});

describe("secrets", () => {
  it("never prints the token or the webhook secret", () => {
    expect(transcript.length).toBeGreaterThan(10);
    const printed = transcript.join("\n");
    expect(printed).not.toContain(TOKEN);
    expect(printed).not.toContain(WEBHOOK_SECRET);
  });
});
