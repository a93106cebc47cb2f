// A loopback stand-in for the platform that never holds an upload: `POST /attachments/uploads`
// hands out a presigned form pointing at its own `/storage`, which parses the multipart form just
// far enough to find the file and then only counts and hashes the file's bytes as they arrive;
// `POST /send` records the request. Plain JavaScript so that both the tests (TypeScript) and
// `bench/upload-memory.mjs` (node, against the built dist) use the same server. Used only by
// tests and benches.
import { createHash } from "node:crypto";
import { createServer } from "node:http";

const JSON_CAP = 1024 * 1024;
// The part headers before the file's bytes (every field, then the file's own headers).
const HEAD_CAP = 64 * 1024;

/**
 * Starts the server on 127.0.0.1 with a free port.
 *
 * @example
 * const platform = await startDiscardingPlatform();
 * // apiTransport({ baseUrl: platform.url, token: "t" }) ... then platform.stored.get(objectKey)
 * await platform.stop();
 */
export async function startDiscardingPlatform() {
  /** @type {Map<string, {bytes: number, sha256: string}>} */
  const stored = new Map();
  /** @type {unknown[]} */
  const sends = [];
  let uploads = 0;
  let url = "";
  const server = createServer((req, res) => {
    const answer = (status, body) => {
      res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const fail = (status, error) => {
      // Answer, then hang up: the client stops sending the rest of a refused body.
      res.setHeader("connection", "close");
      answer(status, { error, message: error });
      req.resume();
    };
    if (req.method === "POST" && req.url === "/attachments/uploads") {
      readJson(req)
        .then((body) => {
          const key = `uploads/bench/${++uploads}-${body.file_name}`;
          answer(200, {
            object_key: key,
            upload: { url: `${url}/storage`, fields: { key, policy: "cG9saWN5" } },
          });
        })
        .catch(() => fail(400, "invalid_request"));
      return;
    }
    if (req.method === "POST" && req.url === "/storage") {
      const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(req.headers["content-type"] ?? "");
      if (!boundary) return fail(400, "no_boundary");
      discardForm(req, boundary[1] ?? boundary[2])
        .then(({ key, bytes, sha256 }) => {
          stored.set(key, { bytes, sha256 });
          answer(204);
        })
        .catch((error) => fail(400, String(error.message)));
      return;
    }
    if (req.method === "POST" && req.url === "/send") {
      readJson(req)
        .then((body) => {
          sends.push(body);
          answer(200, {
            message_id: `<${sends.length}@discarding.local>`,
            idempotency_key: body.idempotency_key ?? null,
          });
        })
        .catch(() => fail(400, "invalid_request"));
      return;
    }
    fail(404, "not_found");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    stored,
    sends,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readJson(req) {
  let text = "";
  for await (const chunk of req) {
    text += chunk;
    if (text.length > JSON_CAP) throw new Error("too large");
  }
  return JSON.parse(text);
}

/**
 * Reads a multipart/form-data body whose last part is the file: keeps only the part headers (and
 * the `key` field) and the last few bytes (the closing boundary), hashing everything between.
 */
async function discardForm(req, boundary) {
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const hash = createHash("sha256");
  let head = Buffer.alloc(0);
  let held = Buffer.alloc(0);
  let inFile = false;
  let bytes = 0;
  let key = "";
  // Hashes all but the last `tail.length` bytes seen, which might be the closing boundary.
  // Without concatenating big chunks: a copy of each would double what this server allocates.
  const take = (chunk) => {
    if (chunk.length >= tail.length) {
      hash.update(held);
      hash.update(chunk.subarray(0, chunk.length - tail.length));
      bytes += held.length + chunk.length - tail.length;
      held = Buffer.from(chunk.subarray(chunk.length - tail.length));
      return;
    }
    const all = Buffer.concat([held, chunk]);
    const cut = all.length - tail.length;
    if (cut > 0) {
      hash.update(all.subarray(0, cut));
      bytes += cut;
    }
    held = all.subarray(Math.max(0, cut));
  };
  for await (const chunk of req) {
    if (inFile) {
      take(chunk);
      continue;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString("latin1");
    const file = text.indexOf('name="file"; filename=');
    const start = file < 0 ? -1 : text.indexOf("\r\n\r\n", file);
    if (start < 0) {
      if (head.length > HEAD_CAP) throw new Error("no file part in the first 64 KiB");
      continue;
    }
    key = /name="key"\r\n\r\n([^\r]*)\r\n/.exec(text)?.[1] ?? "";
    inFile = true;
    take(head.subarray(start + 4));
    head = Buffer.alloc(0);
  }
  if (!inFile) throw new Error("no file part");
  if (!held.equals(tail)) throw new Error("the form does not end with its closing boundary");
  return { key, bytes, sha256: hash.digest("hex") };
}
