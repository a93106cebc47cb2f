// The lines `agentmail-dev` prints per request and per delivery. They are built from what the
// server reports (method, path, status, agent id, addresses, message ids), never from headers or
// bodies, so a token, an SES signature, a key or a message's text cannot reach them.
import type { DevDeliveryReport, DevRecipientStatus } from "./delivery.js";
import type { RequestLogEntry } from "./request-log.js";

/** Longest a logged value may be; a longer one is cut with `…`. */
const MAX_VALUE = 200;

/**
 * The log line of one answered request: `<METHOD> <path> <status> <agent or ->`.
 *
 * @example
 * requestLine({ method: "POST", path: "/send", status: 200, agentId: "my-agent", at: new Date() });
 * // "POST /send 200 my-agent"
 */
export function requestLine(entry: RequestLogEntry): string {
  return `${printable(entry.method)} ${printable(withoutInboxKey(entry.path))} ${entry.status} ${printable(entry.agentId ?? "-")}`;
}

/**
 * The web inbox's random base path segment shown as `<key>`: logs get pasted, and the segment is
 * half of what keeps its cookie to this server (see `webInboxBasePath`).
 */
function withoutInboxKey(path: string): string {
  return path.replace(/^\/_inbox\/[^/]+(?=\/|$)/, "/_inbox/<key>");
}

const LABELS: Record<DevRecipientStatus, string> = {
  delivered: "delivered to inbox of",
  outbound: "outbound (not served here):",
  unknown_agent: "no such agent here, not delivered:",
};

/**
 * The log lines of one accepted message: one per kind of destination, each
 * `mail <via> <message id> from <agent>: <where>`, e.g.
 * `mail api 5f0c…@agents.localhost from my-agent: outbound (not served here): x@agents.example.com`.
 *
 * @example
 * for (const line of deliveryLines(report)) console.log(line);
 */
export function deliveryLines(report: DevDeliveryReport): string[] {
  const head = `mail ${report.via} ${printable(report.messageId)} from ${printable(report.agentId)}:`;
  const lines: string[] = [];
  if (report.deliveredTo.length > 0) {
    lines.push(`${head} ${LABELS.delivered} ${report.deliveredTo.map(printable).join(", ")}`);
  }
  for (const status of ["outbound", "unknown_agent"] as const) {
    const addresses = report.recipients.filter((r) => r.status === status).map((r) => r.address);
    if (addresses.length > 0) {
      lines.push(`${head} ${LABELS[status]} ${addresses.map(printable).join(", ")}`);
    }
  }
  return lines;
}

/**
 * A value as it may appear in a log line: printable ASCII only (anything else `\uXXXX`-escaped,
 * so a request cannot forge a line or move the cursor), cut at {@link MAX_VALUE} characters.
 */
function printable(value: string): string {
  const escaped = value.replace(
    /[^\x21-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return escaped.length > MAX_VALUE ? `${escaped.slice(0, MAX_VALUE)}…` : escaped;
}
