// The other side of the receive memory tests, in a process of its own so that nothing it holds
// (the dev server's copies, the sender's encryption, building a large raw) is counted as the
// receiver's. Uses the built packages. Used only by tests.
//
//   node large-message-peer.mjs raw <file> <MiB>   writes a message with one base64 attachment of
//                                                  <MiB> random bytes; prints {sha256, rawBytes}
//   node large-message-peer.mjs server <MiB>       starts the dev server, sends a warm-up message
//                                                  and one with an encrypted attachment of <MiB>
//                                                  random bytes; prints {url, token, key, sha256}
//                                                  and serves until killed
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createMailer } from "@assmbl/core";
import { generateKeyPair, openpgpCrypto } from "@assmbl/crypto";
import { startDevServer } from "@assmbl/dev-server";
import { createDirectory } from "@assmbl/directory";
import { apiTransport } from "@assmbl/transport-api";

const MiB = 1024 * 1024;
const DOMAIN = "agents.example.com";
const [mode, ...args] = process.argv.slice(2);
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

if (mode === "raw") {
  const [file, size] = args;
  const bytes = randomBytes(Number(size) * MiB);
  // Lines of 76 characters, copied as bytes: a regular expression over the 85 MiB string of a
  // 64 MiB file took most of a second.
  const flat = Buffer.from(bytes.toString("base64"), "latin1");
  const base64 = Buffer.alloc(flat.length + Math.floor(flat.length / 76) * 2);
  let at = 0;
  for (let from = 0; from < flat.length; from += 76) {
    at += flat.copy(base64, at, from, Math.min(from + 76, flat.length));
    if (from + 76 <= flat.length) at += base64.write("\r\n", at, "latin1");
  }
  const raw = Buffer.concat([
    Buffer.from(
      'From: a@agents.example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
        "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\n" +
        'Content-Type: application/octet-stream; name="big.bin"\r\nContent-Disposition: attachment; filename="big.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
    ),
    base64.subarray(0, at),
    Buffer.from("\r\n--b--\r\n"),
  ]);
  writeFileSync(file, raw);
  print({ sha256: sha256(bytes), rawBytes: raw.length });
} else {
  const server = await startDevServer({
    port: 0,
    mailDomain: DOMAIN,
    agents: [{ agentId: "report-bot" }, { agentId: "other-agent" }],
  });
  const keys = {};
  for (const agentId of ["report-bot", "other-agent"]) {
    keys[agentId] = await generateKeyPair({ name: agentId, email: `${agentId}@${DOMAIN}` });
    await createDirectory({ baseUrl: server.url, token: server.agents[agentId].token }).register({
      publicKey: keys[agentId].directoryPublicKeyPem,
      algorithm: keys[agentId].algorithm,
      keyVersion: 1,
      ifMatchVersion: null,
      openpgpPublicKey: keys[agentId].publicKeyArmored,
    });
  }
  const mailer = createMailer(
    apiTransport({ baseUrl: server.url, token: server.agents["report-bot"].token }),
    {
      from: `report-bot@${DOMAIN}`,
      mailDomain: DOMAIN,
      directory: createDirectory({ baseUrl: server.url }),
      crypto: openpgpCrypto(),
    },
  );
  const file = randomBytes(Number(args[0]) * MiB);
  for (const [subject, content] of [
    ["warm-up", randomBytes(1024)],
    ["big", file],
  ]) {
    await mailer.send({
      to: `other-agent@${DOMAIN}`,
      subject,
      text: "attached",
      attachments: [{ filename: "big.bin", content }],
      encrypt: { body: true, attachments: true },
    });
  }
  print({
    url: server.url,
    token: server.agents["other-agent"].token,
    key: keys["other-agent"].privateKeyArmored,
    sha256: sha256(file),
  });
  process.on("SIGTERM", () => server.stop().then(() => process.exit(0)));
}
