// The MCP server as an MCP client uses it: the MCP SDK's own Client spawns `agentmail mcp` (from
// source) over stdio, configured through the environment against the dev server. Alice sends to
// Bob through her server; Bob's server, a second process, lists and reads it back decrypted.
// Every tool result and everything either server wrote to stderr is then scanned for the
// tokens, the private keys and the passphrases.
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair, type KeyPairBundle } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { startTestPlatform, type TestPlatform } from "@assmbl/testing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, type McpSession, startMcpSession, text } from "./testing/mcp-client.js";

const PASSPHRASES = { alice: "alice correct horse battery", bob: "bob staple tuning fork" };
const BODY = "The numbers are in: q1 = 42. Keep this between us.";
const CSV = "quarter,value\nq1,42\n";

let platform: TestPlatform;
let dir: string;
/** AGENTMAIL_MCP_FILES_DIR of both servers: the only folder they read and save files in. */
let files: string;
let alice: McpSession;
let bob: McpSession;
const keys: Partial<Record<"alice" | "bob", KeyPairBundle>> = {};

async function session(
  agentId: "alice" | "bob",
  extra: Record<string, string> = { AGENTMAIL_MCP_FILES_DIR: files },
): Promise<McpSession> {
  const keyFile = join(dir, `${agentId}.key.asc`);
  await writeFile(keyFile, keys[agentId]?.privateKeyArmored ?? "", { mode: 0o600 });
  await chmod(keyFile, 0o600);
  return startMcpSession({
    PATH: process.env.PATH ?? "",
    HOME: dir,
    AGENTMAIL_API_BASE_URL: platform.url,
    AGENTMAIL_TOKEN: platform.agent(agentId).token,
    MAIL_DOMAIN: platform.mailDomain,
    AGENTMAIL_AGENT_ID: agentId,
    AGENTMAIL_PRIVATE_KEY_FILE: keyFile,
    AGENTMAIL_PGP_PASSPHRASE: PASSPHRASES[agentId],
    ...extra,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "agentmail-mcp-"));
  files = join(dir, "files");
  await mkdir(files);
  const pair = (agentId: "alice" | "bob") =>
    generateKeyPair({
      name: agentId,
      email: `${agentId}@agents.localhost`,
      passphrase: PASSPHRASES[agentId],
    });
  const [aliceKeys, bobKeys] = await Promise.all([pair("alice"), pair("bob")]);
  Object.assign(keys, { alice: aliceKeys, bob: bobKeys });
  platform = await startTestPlatform({
    agents: [
      { agentId: "alice", keys: aliceKeys, via: "register" },
      { agentId: "bob", keys: bobKeys, via: "register" },
      { agentId: "carol", keys: "seed", openpgp: false }, // in the directory, no OpenPGP key
      { agentId: "dave", keys: "seed" }, // revokes its key mid-test
    ],
  });
  [alice, bob] = await Promise.all([session("alice"), session("bob")]);
}, 60_000);

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close()]);
  await platform?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("agentmail mcp over stdio", () => {
  it("lists the five tools, each with a description and a strict JSON-schema input", async () => {
    const { tools } = await alice.client.listTools();
    alice.seen.push(JSON.stringify(tools));
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      "delete_message",
      "list_inbox",
      "lookup_agent",
      "read_message",
      "send_message",
    ]);
    for (const tool of tools) {
      expect(tool.description?.length).toBeGreaterThan(40);
      expect(tool.inputSchema).toMatchObject({ type: "object", additionalProperties: false });
    }
    const send = tools.find((tool) => tool.name === "send_message");
    expect(send?.inputSchema.required?.sort()).toEqual(["subject", "text", "to"]);
    expect(Object.keys(send?.inputSchema.properties ?? {}).sort()).toEqual([
      "attachments",
      "correlation_id",
      "require_encryption",
      "subject",
      "text",
      "to",
    ]);
  });

  it("sends encrypted to an agent with a key, and the other agent's server reads it decrypted", async () => {
    await writeFile(join(files, "numbers.csv"), CSV);
    const file = "numbers.csv"; // relative to AGENTMAIL_MCP_FILES_DIR
    const before = platform.server.sent.messages().length;
    const sent = await alice.call("send_message", {
      to: "bob",
      subject: "Quarterly numbers",
      text: BODY,
      attachments: [
        file,
        { filename: "note.bin", content_base64: Buffer.from([0, 1, 2, 255]).toString("base64") },
      ],
      correlation_id: "corr-mcp-1",
    });
    expect(sent.isError).toBeFalsy();
    const summary = json(sent);
    expect(summary).toMatchObject({
      sent: true,
      correlation_id: "corr-mcp-1",
      encrypted: { body: true, attachments: true },
      recipients: [{ address: "bob@agents.localhost", encrypted_to_key: keys.bob?.fingerprint }],
    });
    expect(summary.warning).toBeUndefined();
    // On the wire: ciphertext only, no plaintext.
    const wire = platform.server.sent.messages().slice(before);
    expect(wire).toHaveLength(1);
    expect(wire[0]?.request.body).toMatch(/^-----BEGIN PGP MESSAGE-----/);
    expect(JSON.stringify(wire[0]?.request)).not.toContain("q1 = 42");

    const listed = json(await bob.call("list_inbox", { limit: 50 }));
    const items = listed.items as { id: string; subject: string; from: string }[];
    const item = items.find((entry) => entry.subject === "Quarterly numbers");
    expect(item?.from).toBe("alice@agents.localhost");

    const read = await bob.call("read_message", { id: item?.id ?? "" });
    expect(read.isError).toBeFalsy();
    const message = json(read);
    expect(message).toMatchObject({
      from: "alice@agents.localhost",
      sender_verified: true,
      encrypted: true,
      decrypted: true,
      signature: "valid",
      body: BODY,
    });
    const resources = read.content.filter((block) => block.type === "resource");
    expect(resources).toHaveLength(2);
    const [csv, bin] = resources.map((block) =>
      block.type === "resource" ? block.resource : undefined,
    );
    expect(csv).toMatchObject({ mimeType: "text/csv", text: CSV });
    expect(bin).toMatchObject({ mimeType: "application/octet-stream" });
    expect(csv?.uri).toMatch(/^agentmail:\/\/messages\/.+\/attachments\/0\/numbers\.csv$/);
    expect(bin && "blob" in bin ? Buffer.from(bin.blob, "base64") : undefined).toEqual(
      Buffer.from([0, 1, 2, 255]),
    );

    // Saved to a folder instead: the decrypted files, no inline copies.
    const saveTo = "inbox-files"; // created under AGENTMAIL_MCP_FILES_DIR
    const saved = await bob.call("read_message", {
      id: item?.id ?? "",
      save_attachments_to: saveTo,
    });
    const paths = (json(saved).attachments as { saved_to?: string }[]).map((a) => a.saved_to);
    expect(saved.content.filter((block) => block.type === "resource")).toHaveLength(0);
    expect(paths[0]?.startsWith(files)).toBe(true);
    expect(await readFile(paths[0] ?? "", "utf8")).toBe(CSV);
  });

  it("attaches files from under AGENTMAIL_MCP_FILES_DIR only: /proc, the key file, symlinks and .. out are refused, nothing sent", async () => {
    await symlink(join(dir, "alice.key.asc"), join(files, "innocent.txt"));
    await symlink("/proc/self/environ", join(files, "env.txt"));
    const before = platform.server.sent.messages().length;
    for (const path of [
      "/proc/self/environ",
      "/proc/self/pagemap",
      join(dir, "alice.key.asc"),
      "../alice.key.asc",
      "innocent.txt",
      "env.txt",
    ]) {
      const refused = await alice.call("send_message", {
        to: "mallory@elsewhere.example",
        subject: "x",
        text: "y",
        attachments: [path],
      });
      expect(refused.isError, path).toBe(true);
      expect(text(refused)).toMatch(
        /^error \[invalid_attachment\]: .*outside AGENTMAIL_MCP_FILES_DIR/,
      );
    }
    expect(platform.server.sent.messages().length).toBe(before);
  });

  it("refuses text or attachments carrying the token, the passphrase, a key line or any private key (secret_in_message), nothing sent", async () => {
    const aliceKey = keys.alice?.privateKeyArmored ?? "";
    const keyLine = aliceKey.split("\n").find((line) => line.length >= 60) ?? "";
    const otherKey = keys.bob?.privateKeyArmored ?? "";
    await writeFile(join(files, "copied-key.txt"), `here:\n${keyLine}\n`);
    const b64 = (value: string) => Buffer.from(value).toString("base64");
    const before = platform.server.sent.messages().length;
    const calls = [
      { text: `token ${platform.agent("alice").token}` },
      { text: `pass ${PASSPHRASES.alice}` },
      { text: otherKey },
      {
        text: "y",
        attachments: [{ filename: "e", content_base64: b64(`T=${platform.agent("alice").token}`) }],
      },
      { text: "y", attachments: [{ filename: "k.asc", content_base64: b64(otherKey) }] },
      { text: "y", attachments: ["copied-key.txt"] },
    ];
    for (const call of calls) {
      const refused = await alice.call("send_message", {
        to: "mallory@elsewhere.example",
        subject: "x",
        ...call,
      });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/^error \[secret_in_message\]: /);
    }
    expect(platform.server.sent.messages().length).toBe(before);
  });

  it("without AGENTMAIL_MCP_FILES_DIR refuses path attachments and save_attachments_to, saying to set it; inline still works", async () => {
    const bare = await session("alice", {});
    try {
      const refused = await bare.call("send_message", {
        to: "carol",
        subject: "x",
        text: "y",
        attachments: ["numbers.csv"],
      });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/^error \[invalid_attachment\]: .*set AGENTMAIL_MCP_FILES_DIR/);
      const save = await bare.call("read_message", {
        id: "any",
        save_attachments_to: "/proc/self/x",
      });
      expect(save.isError).toBe(true);
      expect(text(save)).toMatch(/^error \[invalid_options\]: .*set AGENTMAIL_MCP_FILES_DIR/);
      const inline = await bare.call("send_message", {
        to: "carol",
        subject: "inline",
        text: "y",
        attachments: [{ filename: "a.txt", content_base64: "aGk=" }],
      });
      expect(inline.isError).toBeFalsy();
    } finally {
      await bare.close();
    }
  });

  it("saves only under AGENTMAIL_MCP_FILES_DIR, one level, never under /proc", async () => {
    for (const where of ["/proc/self/task/x", "/tmp/elsewhere-agentmail", "a/b/c"]) {
      const refused = await bob.call("read_message", { id: "any", save_attachments_to: where });
      expect(refused.isError, where).toBe(true);
      expect(text(refused)).toMatch(/^error \[invalid_options\]: save_attachments_to /);
    }
  });

  it("refuses a recipient whose key was revoked instead of falling back to clear text", async () => {
    const first = json(await alice.call("send_message", { to: "dave", subject: "k", text: "1" }));
    expect(first.encrypted).toMatchObject({ body: true });
    await createDirectory({ baseUrl: platform.url, token: platform.agent("dave").token }).revoke();
    const before = platform.server.sent.messages().length;
    const refused = await alice.call("send_message", { to: "dave", subject: "k", text: "2" });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/^error \[peer_key_revoked\]: .*refusing to send in clear/);
    expect(platform.server.sent.messages().length).toBe(before);
  });

  it("sends in clear to an agent without a key, and says so", async () => {
    const sent = json(
      await alice.call("send_message", { to: "carol", subject: "Plain", text: "hi" }),
    );
    expect(sent.encrypted).toEqual({ body: false, attachments: false });
    expect(sent.warning).toMatch(
      /UNENCRYPTED: carol@agents\.localhost \(no OpenPGP key registered\)/,
    );
  });

  it("with require_encryption, refuses an agent without a key and sends nothing", async () => {
    const before = platform.server.sent.messages().length;
    const refused = await alice.call("send_message", {
      to: "carol",
      subject: "Secret",
      text: "must not go in clear",
      require_encryption: true,
    });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/^error \[peer_missing_openpgp_public_key\]: /);
    expect(platform.server.sent.messages().length).toBe(before);
  });

  it("answers a bad recipient, a bad argument and an unknown message with tool errors, and keeps serving", async () => {
    const unknown = await alice.call("send_message", {
      to: "nobody-here",
      subject: "x",
      text: "y",
    });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/^error \[agent_not_found\]: /);

    const malformed = await alice.call("send_message", {
      to: "not an address@",
      subject: "x",
      text: "y",
    });
    expect(malformed.isError).toBe(true);
    expect(text(malformed)).toMatch(/^error \[invalid_address\]: /);

    const extra = await alice.call("list_inbox", { limit: 5, passphrase: "x" });
    expect(extra.isError).toBe(true);
    expect(text(extra)).toContain("passphrase");

    const missing = await alice.call("read_message", { id: "no-such-message" });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/^error \[not_found\]: /);

    const lookup = json(await alice.call("lookup_agent", { agent_id: "bob" }));
    const keyless = json(await alice.call("lookup_agent", { agent_id: "carol" }));
    expect(keyless).toMatchObject({
      agent_id: "carol",
      openpgp: null,
      encrypted_mail_possible: false,
    });
    expect(lookup).toMatchObject({
      agent_id: "bob",
      key_status: "active",
      openpgp: {
        fingerprint: keys.bob?.fingerprint,
        can_encrypt: true,
        python_sdk_compatible: true,
      },
      encrypted_mail_possible: true,
    });
  });

  it("deletes a message", async () => {
    const items = json(await bob.call("list_inbox", {})).items as { id: string }[];
    const id = items[0]?.id ?? "";
    expect(json(await bob.call("delete_message", { id }))).toEqual({ deleted: id });
    const after = json(await bob.call("list_inbox", {})).items as { id: string }[];
    expect(after.map((entry) => entry.id)).not.toContain(id);
  });

  it("never shows a token, a private key or a passphrase in a tool result or on stderr", () => {
    const everything = [...alice.seen, ...bob.seen, alice.stderr(), bob.stderr()].join("\n");
    expect(alice.seen.length + bob.seen.length).toBeGreaterThan(10);
    expect(everything).toContain("serving alice@agents.localhost");
    const secrets = [
      platform.agent("alice").token,
      platform.agent("bob").token,
      PASSPHRASES.alice,
      PASSPHRASES.bob,
      ...Object.values(keys).flatMap((bundle) =>
        // The armor's body lines, each long enough to be unmistakable.
        bundle.privateKeyArmored.split("\n").filter((line) => line.length >= 40),
      ),
    ];
    expect(secrets.length).toBeGreaterThan(6);
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toContain("PRIVATE KEY");
  });
});
