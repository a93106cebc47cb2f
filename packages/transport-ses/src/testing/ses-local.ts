// Starts aws-ses-v2-local (an SES emulator nobody here wrote) in-process on a free loopback
// port. Used only by tests (it is not exported by the package).
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as emulator from "aws-ses-v2-local";

/** One message as the emulator stored it (it re-parses raw MIME, dropping custom X- headers). */
export interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  attachments: { content: string; contentType: string; filename?: string; size: number }[];
}

export interface SesLocal {
  endpoint: string;
  emails(): Promise<StoredEmail[]>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

type Start = (config: { host: string; port: number }) => Promise<Server>;

/**
 * @example
 * const ses = await startSesLocal();
 * const client = new SESClient({ endpoint: ses.endpoint, region: "us-east-1", credentials });
 */
export async function startSesLocal(): Promise<SesLocal> {
  // A CommonJS module: its `default` export may arrive wrapped once more under ESM interop.
  const loaded = emulator as unknown as { default: Start | { default: Start } };
  const start = typeof loaded.default === "function" ? loaded.default : loaded.default.default;
  const server = await start({ host: "127.0.0.1", port: 0 });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    async emails() {
      const response = await fetch(`${endpoint}/store`);
      return ((await response.json()) as { emails: StoredEmail[] }).emails;
    },
    async clear() {
      await fetch(`${endpoint}/clear-store`, { method: "POST" });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
