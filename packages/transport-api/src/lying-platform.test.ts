// A platform that lies about attachment sizes: a listed size never widens the plaintext budget
// of a part whose bytes are in the MIME, attachments it claims to deliver by reference share one
// in-memory allowance per message, and a download that ends short of the listed size is refused.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPair, loadPrivateKey } from "@assmbl/crypto";
import { createGpgHome, type GpgHome } from "@assmbl/testing/gpg";
import { handMime } from "@assmbl/testing/hand-mime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentMailClient } from "./client.js";

const MiB = 1024 * 1024;
const RECEIVER = "other-agent@agents.example.com";
let server: Server;
let baseUrl: string;
let scenario: { raw: string; attachments: unknown[]; blob: (index: number) => Uint8Array };
let key: Awaited<ReturnType<typeof loadPrivateKey>>;
let gpg: GpgHome;
const blobRequests: number[] = [];

beforeAll(async () => {
  const keys = await generateKeyPair({ name: "Other Agent", email: RECEIVER });
  key = await loadPrivateKey(keys.privateKeyArmored);
  gpg = await createGpgHome();
  await gpg.importKey(keys.publicKeyArmored);
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "", "http://x");
    const json = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/messages/m1") {
      return json({
        MessageID: "m1",
        Sender: "report-bot@agents.example.com",
        SenderVerified: true,
        Subject: "s",
        ReceivedAt: "2026-11-29T00:00:00Z",
        raw_mime: scenario.raw,
        attachments: scenario.attachments,
      });
    }
    const download = /^\/messages\/m1\/attachments\/(\d+)\/download$/.exec(url.pathname);
    if (download) return json({ url: `/blob/${download[1]}` });
    const blob = /^\/blob\/(\d+)$/.exec(url.pathname);
    if (blob) {
      blobRequests.push(Number(blob[1]));
      res.writeHead(200);
      return res.end(scenario.blob(Number(blob[1])));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await gpg?.cleanup();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

const row = (index: number, size: number) => ({
  index,
  status: "ready",
  file_name: `part-${index}.bin.asc`,
  content_type: "application/pgp-encrypted",
  size,
});
const mime = (parts: string[]) =>
  handMime({
    headers: ["From: report-bot@agents.example.com", `To: ${RECEIVER}`, "Subject: s"],
    text: "see the attachments",
    attachments: parts.map((bytes, index) => ({
      filename: `part-${index}.bin.asc`,
      contentType: "application/pgp-encrypted",
      bytes,
    })),
  });
const client = () => createAgentMailClient({ baseUrl, token: "am_lying_platform" });

describe("a platform that lies about sizes", () => {
  it("a huge listed size does not widen the budget of a part whose bytes are in the MIME", async () => {
    const bomb = (
      await gpg.encrypt(RECEIVER, new Uint8Array(96 * MiB), { compress: "zlib" })
    ).toString("utf8");
    scenario = {
      raw: mime([bomb]),
      attachments: [row(0, 2 * 1024 ** 3)],
      blob: () => new Uint8Array(),
    };
    const message = await client().fetchMessage("m1", { decryptWith: key });
    expect(message.attachments[0]).toMatchObject({
      decrypted: false,
      error: { code: "plaintext_too_large" },
    });
  });

  it("attachments delivered by reference share one in-memory allowance per message", async () => {
    blobRequests.length = 0;
    const size = 40 * MiB;
    scenario = {
      raw: mime(["", "", ""]),
      attachments: [row(0, size), row(1, size), row(2, size)],
      blob: () => new Uint8Array(size),
    };
    const message = await client().fetchMessage("m1", {
      includeAttachments: true,
      maxInMemoryAttachmentBytes: 64 * MiB,
    });
    // The first fits the 64 MiB allowance; the other two would pass it and are not downloaded.
    expect(message.attachments.map((a) => a.error?.code ?? "ok")).toEqual([
      "ok",
      "attachment_too_large",
      "attachment_too_large",
    ]);
    expect(blobRequests).toEqual([0]);
    expect(message.attachments[1]?.error?.message).toContain("downloadDir");
  });

  it("a download that ends short of the listed size is refused, not taken as the attachment", async () => {
    scenario = {
      raw: mime([""]),
      attachments: [{ ...row(0, 1_000), content_type: "application/octet-stream" }],
      blob: () => new Uint8Array(600),
    };
    const message = await client().fetchMessage("m1", {});
    expect(message.attachments[0]).toMatchObject({
      bytes: null,
      error: { code: "invalid_response" },
    });
  });
});
