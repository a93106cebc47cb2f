// A hostile sender's message full of compression bombs (zlib and bzip2, made by GnuPG), mailed
// through the dev server's SES endpoint and read with fetchMessage and openMessage at their
// default limits: every bomb fails with plaintext_too_large, and memory stays bounded.

import { openMessage } from "@assmbl/mime";
import { createGpgHome, type GpgHome } from "@assmbl/testing/gpg";
import { handMime } from "@assmbl/testing/hand-mime";
import { rssGrowthDuring } from "@assmbl/testing/hostile-server";
import { SendRawEmailCommand } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  devSesClient,
  findBySubject,
  type Platform,
  RECEIVER,
  startPlatform,
} from "./testing/platform.js";

const MiB = 1024 * 1024;
const BOMB_BYTES = 96 * MiB;
let platform: Platform;
let gpg: GpgHome;
let raw: string;

beforeAll(async () => {
  platform = await startPlatform();
  gpg = await createGpgHome();
  await gpg.importKey(platform.receiverKeys.publicKeyArmored);
  // Each inflates to 96 MiB, past the default budget (the ciphertext + 64 MiB) on its own.
  const bomb = async (compress: "zlib" | "bzip2") =>
    (await gpg.encrypt(RECEIVER, new Uint8Array(BOMB_BYTES), { compress })).toString("utf8");
  const zlib = await bomb("zlib");
  const bzip2 = await bomb("bzip2");
  // bzip2 first: the slowest to inflate, bounded in time by the same budget.
  const parts = [bzip2, zlib, bzip2, zlib, bzip2, zlib];
  raw = handMime({
    headers: [`From: report-bot@agents.example.com`, `To: ${RECEIVER}`, "Subject: bombs"],
    text: "see the attachments",
    attachments: parts.map((cipher, index) => ({
      filename: `part-${index}.bin.asc`,
      contentType: "application/pgp-encrypted",
      bytes: cipher,
    })),
  });
  expect(raw.length).toBeLessThan(2 * MiB);
  const ses = devSesClient(platform.server);
  await ses.send(
    new SendRawEmailCommand({
      Source: "report-bot@agents.example.com",
      Destinations: [RECEIVER],
      RawMessage: { Data: new TextEncoder().encode(raw) },
    }),
  );
  ses.destroy();
}, 120_000);

afterAll(async () => {
  await gpg?.cleanup();
  await platform?.stop();
});

describe("a message of compression bombs, at the default limits", () => {
  it("fetchMessage: every bomb fails with plaintext_too_large; RSS growth stays under 128 MiB", async () => {
    const id = await findBySubject(platform.inbox, "bombs");
    const { value: result, growthBytes: growth } = await rssGrowthDuring(() =>
      platform.inbox.fetchMessage(id, { decryptWith: platform.receiverKey }),
    );
    if (!result) throw new Error("fetchMessage failed");
    expect(result.attachments.map((a) => a.error?.code)).toEqual(
      Array.from({ length: 6 }, () => "plaintext_too_large"),
    );
    expect(result.attachments.every((a) => !a.decrypted)).toBe(true);
    expect(growth).toBeLessThan(128 * MiB);
  });

  it("openMessage: the same, from the raw message", async () => {
    const { value: result, growthBytes: growth } = await rssGrowthDuring(() =>
      openMessage(raw, { decryptWith: platform.receiverKey }),
    );
    if (!result) throw new Error("openMessage failed");
    expect(result.attachments.map((a) => a.error?.code)).toEqual(
      Array.from({ length: 6 }, () => "plaintext_too_large"),
    );
    expect(growth).toBeLessThan(128 * MiB);
  });
});
