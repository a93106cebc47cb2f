#!/usr/bin/env node
// A large attachment up and down through the dev server, with plain fetch calls (no SDK), and
// the dev server's peak RSS. The server runs in a child process so its memory is its own.
//
//   pnpm --filter @assmbl/dev-server build
//   node packages/dev-server/bench/large-roundtrip.mjs [MiB of data, default 1024] [--chunked]
//
// --chunked sends the upload without a Content-Length (chunked transfer encoding): the server
// then gathers the file in chunks and joins them, holding it twice for a moment.
//
// The client streams an armored-looking file (base64 of random bytes between OpenPGP armor
// lines, ~4/3 of the data) into the presigned POST with a Content-Length, sends it to another
// agent with /send (delivered by reference: far over SES's 40 MiB), then the recipient fetches
// the message, asks for the download and streams the file back, comparing SHA-256 digests.
import { fork } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";

if (process.argv[2] === "--server") {
  const { startDevServer } = await import("../dist/index.js");
  const server = await startDevServer({
    agents: [
      { agentId: "sender", token: "token-sender" },
      { agentId: "recipient", token: "token-recipient" },
    ],
  });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  process.on("message", async (message) => {
    if (message === "rss") {
      process.send({
        rss: process.memoryUsage().rss,
        sampledPeakRss: peak,
        // The kernel's high-water mark, in KiB: the true peak, between samples too.
        maxRss: process.resourceUsage().maxRSS * 1024,
      });
    } else if (message === "stop") {
      clearInterval(sampler);
      await server.stop();
      process.exit(0);
    }
  });
  process.send({ url: server.url });
} else {
  const args = process.argv.slice(2);
  await client(Number(args.find((arg) => /^\d+$/.test(arg)) ?? 1024), args.includes("--chunked"));
}

async function client(mib, chunked) {
  const child = fork(new URL(import.meta.url).pathname, ["--server"], { stdio: "inherit" });
  const replies = [];
  const waiters = [];
  child.on("message", (message) => {
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else replies.push(message);
  });
  const next = () =>
    replies.length > 0 ? replies.shift() : new Promise((resolve) => waiters.push(resolve));
  const rss = () => {
    child.send("rss");
    return next();
  };
  const { url } = await next();
  const api = async (path, token, body) => {
    const response = await fetch(url + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const mb = (bytes) => Math.round(bytes / 1048576);

  const file = armoredFile(mib * 1048576);
  const before = await rss();
  const started = Date.now();
  const { object_key, upload } = await api("/attachments/uploads", "token-sender", {
    file_name: "big.bin.asc",
    content_type: "application/pgp-encrypted",
    max_bytes: file.size,
  });
  const form = multipartBody(upload.fields, file);
  const uploaded = await fetch(upload.url, {
    method: "POST",
    body: form.stream,
    duplex: "half",
    headers: {
      "content-type": `multipart/form-data; boundary=${form.boundary}`,
      ...(chunked ? {} : { "content-length": String(form.size) }),
    },
  });
  if (uploaded.status !== 204) {
    throw new Error(`upload: ${uploaded.status} ${await uploaded.text()}`);
  }
  const afterUpload = await rss();
  const uploadMs = Date.now() - started;

  await api("/send", "token-sender", {
    to: "recipient@agents.localhost",
    subject: "a large file",
    body: "attached",
    attachments: [
      { object_key, filename: "big.bin.asc", content_type: "application/pgp-encrypted" },
    ],
  });
  const { items } = await api("/inbox", "token-recipient");
  const id = items[0].MessageID;
  const message = await api(`/messages/${encodeURIComponent(id)}`, "token-recipient");
  const { url: download } = await api(
    `/messages/${encodeURIComponent(id)}/attachments/0/download`,
    "token-recipient",
    {},
  );
  const downloadStarted = Date.now();
  const response = await fetch(download);
  const digest = createHash("sha256");
  let received = 0;
  for await (const chunk of response.body) {
    digest.update(chunk);
    received += chunk.byteLength;
  }
  const downloadMs = Date.now() - downloadStarted;
  const after = await rss();
  child.send("stop");

  const sent = file.digest();
  const same = digest.digest("hex") === sent && received === file.size;
  console.log(
    JSON.stringify(
      {
        dataMiB: mib,
        uploadContentLength: !chunked,
        objectMiB: mb(file.size),
        rawMimeBytes: message.raw_mime.length,
        reportedSize: message.attachments[0].size,
        contentLength: Number(response.headers.get("content-length")),
        sha256Equal: same,
        uploadMs,
        downloadMs,
        serverRssMiB: {
          baseline: mb(before.rss),
          afterUpload: mb(afterUpload.rss),
          atEnd: mb(after.rss),
          sampledPeak: mb(after.sampledPeakRss),
          maxRss: mb(after.maxRss),
        },
        peakOverObject: Number((after.maxRss / file.size).toFixed(2)),
        peakAboveBaselineOverObject: Number(((after.maxRss - before.rss) / file.size).toFixed(2)),
      },
      null,
      2,
    ),
  );
  if (!same) process.exitCode = 1;
}

/** `dataBytes` random bytes as armored text: 64-character base64 lines between armor lines. */
function armoredFile(dataBytes) {
  const head = Buffer.from("-----BEGIN PGP MESSAGE-----\n\n");
  const tail = Buffer.from("-----END PGP MESSAGE-----\n");
  const chars = Math.ceil(dataBytes / 3) * 4;
  const size = head.length + chars + Math.ceil(chars / 64) + tail.length;
  const digest = createHash("sha256");
  // 48 KiB of data is exactly 1024 lines: every chunk but the last ends at a line's end.
  const CHUNK = 48 * 1024;
  let left = dataBytes;
  let state = "head";
  const take = (bytes) => {
    digest.update(bytes);
    return bytes;
  };
  return {
    size,
    digest: () => digest.digest("hex"),
    next() {
      if (state === "head") {
        state = "body";
        return take(head);
      }
      if (left > 0) {
        const raw = randomBytes(Math.min(CHUNK, left));
        left -= raw.length;
        const base64 = raw.toString("base64");
        const lines = [];
        for (let at = 0; at < base64.length; at += 64) lines.push(base64.slice(at, at + 64));
        return take(Buffer.from(`${lines.join("\n")}\n`));
      }
      if (state === "body") {
        state = "done";
        return take(tail);
      }
      return undefined;
    },
  };
}

/** The presigned fields, then `file` streamed from `file.next()`, with the total size. */
function multipartBody(fields, file) {
  const boundary = `bench${randomBytes(8).toString("hex")}`;
  let prefix = "";
  for (const [name, value] of Object.entries(fields)) {
    prefix += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  prefix +=
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin.asc"\r\n` +
    "Content-Type: application/pgp-encrypted\r\n\r\n";
  const suffix = Buffer.from(`\r\n--${boundary}--\r\n`);
  const head = Buffer.from(prefix);
  let state = "prefix";
  const stream = new ReadableStream({
    pull(controller) {
      if (state === "prefix") {
        state = "file";
        controller.enqueue(head);
        return;
      }
      if (state === "file") {
        const chunk = file.next();
        if (chunk) {
          controller.enqueue(chunk);
          return;
        }
        state = "done";
        controller.enqueue(suffix);
        return;
      }
      controller.close();
    },
  });
  return { boundary, stream, size: head.length + file.size + suffix.length };
}
