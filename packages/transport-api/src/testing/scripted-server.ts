// A loopback HTTP server that answers from a script, for failures the dev server does not make
// on demand (a 502 with an HTML body, a request that is never answered). Used only by tests.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the server received, body included. */
export interface ScriptedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/**
 * How to answer one request: a status, headers and body (with `endless`, the body is followed by
 * filler for as long as the client reads); `drop` destroys the socket instead; `hang` never answers.
 */
export type ScriptedAnswer =
  | { status: number; headers?: Record<string, string>; body?: string; endless?: boolean }
  | "drop"
  | "hang";

export interface ScriptedServer {
  url: string;
  requests: ScriptedRequest[];
  stop(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 that answers the n-th request with `script[n]` (the last one
 * repeats).
 *
 * @example
 * const server = await scriptedServer([{ status: 503, headers: { "retry-after": "1" } }, { status: 200, body: "{}" }]);
 */
export async function scriptedServer(script: ScriptedAnswer[]): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const answer = script[Math.min(requests.length - 1, script.length - 1)] ?? "drop";
      if (answer === "drop") {
        req.socket.destroy();
        return;
      }
      if (answer === "hang") return;
      res.writeHead(answer.status, answer.headers ?? {});
      if (!answer.endless) {
        res.end(answer.body ?? "");
        return;
      }
      res.write(answer.body ?? "");
      const filler = Buffer.alloc(64 * 1024, " ");
      // Write while the socket takes it, wait for it to drain, stop when the client hangs up.
      const pump = () => {
        while (!res.destroyed && res.write(filler)) {}
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
