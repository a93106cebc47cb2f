// A loopback server posing as the SES endpoint that misbehaves on purpose: it reads each request
// whole, then answers too much, too slowly, or not at all. Used only by tests.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * How the server answers:
 * - `endless`: 200 with a chunked body that never ends (XML, then filler while the client reads);
 * - `declared`: 200 whose `content-length` says `bytes`, then nothing (the client must not wait);
 * - `trickle`: 200, then one byte of XML every 50 ms, forever;
 * - `silent`: never answers at all.
 */
export type HostileMode = "endless" | "declared" | "trickle" | "silent";

export interface HostileSes {
  endpoint: string;
  /** Requests received (each read whole). */
  requests(): number;
  /** Answers the client hung up on before they ended. */
  droppedAnswers(): number;
  stop(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1 with a free port.
 *
 * @example
 * const ses = await startHostileSes("endless");
 * const client = new SESClient({ endpoint: ses.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
 */
export async function startHostileSes(
  mode: HostileMode,
  options: { bytes?: number } = {},
): Promise<HostileSes> {
  let requests = 0;
  let dropped = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      requests++;
      res.on("close", () => {
        if (!res.writableFinished) dropped++;
      });
      answer(res);
    });
  });
  const answer = (res: ServerResponse) => {
    if (mode === "silent") return;
    const xml = "<SendRawEmailResponse><SendRawEmailResult><MessageId>";
    if (mode === "declared") {
      res.writeHead(200, { "content-type": "text/xml", "content-length": String(options.bytes) });
      res.write(xml);
      return;
    }
    res.writeHead(200, { "content-type": "text/xml" });
    if (mode === "endless") {
      res.write(xml);
      const filler = Buffer.alloc(64 * 1024, "x");
      // Write while the socket takes it, wait for it to drain, stop when the client hangs up.
      const pump = () => {
        while (!res.destroyed && res.write(filler)) {}
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
      return;
    }
    let i = 0;
    const timer = setInterval(() => {
      if (res.destroyed) {
        clearInterval(timer);
        timers.delete(timer);
        return;
      }
      res.write(xml[i++ % xml.length] as string);
    }, 50);
    timers.add(timer);
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    droppedAnswers: () => dropped,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
