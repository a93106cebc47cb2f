import { z } from "zod";
import { AgentMailError } from "./errors.js";
import { assertSafeHeaderValue } from "./header-safety.js";
import { Limits } from "./limits.js";
import { findLoneSurrogate } from "./well-formed-text.js";

/** A parsed mailbox: the bare address and an optional display name. */
export interface Mailbox {
  /** `local@domain`, the domain lower-cased. */
  address: string;
  localPart: string;
  /** Lower-cased. */
  domain: string;
  /** The display name, unquoted; absent when none was given. */
  name?: string;
}

// zod's pragmatic addr-spec check (dot-atom local part, dotted domain with a letter TLD).
const ADDR_SPEC = z.email();
const ANGLE_FORM = /^(.*?)\s*<([^<>]*)>$/s;

/**
 * Parses `local@domain` or `Display Name <local@domain>` (the name may be quoted, with `\"`
 * escapes). Internationalised domains must be given in punycode.
 *
 * @example
 * parseAddress('"Report Bot" <report-bot@agents.example.com>');
 * // { address: "report-bot@agents.example.com", localPart: "report-bot",
 * //   domain: "agents.example.com", name: "Report Bot" }
 * @throws {AgentMailError} `header_injection` for control characters, `invalid_address` otherwise
 * (a lone surrogate among them).
 */
export function parseAddress(input: string): Mailbox {
  if (typeof input !== "string") {
    throw new AgentMailError({ code: "invalid_address", message: "an address must be a string" });
  }
  assertSafeHeaderValue(input, "address");
  assertWellFormedAddress(input);
  const trimmed = input.trim();
  const angle = ANGLE_FORM.exec(trimmed);
  const spec = (angle ? angle[2] : trimmed)?.trim() ?? "";
  const name = angle ? unquoteDisplayName(angle[1] ?? "") : undefined;
  const at = spec.lastIndexOf("@");
  if (at < 1 || spec.length > 254 || at > 64 || !ADDR_SPEC.safeParse(spec).success) {
    throw new AgentMailError({
      code: "invalid_address",
      message: `${JSON.stringify(input)} is not a valid email address (expected local@domain or "Name <local@domain>")`,
    });
  }
  const localPart = spec.slice(0, at);
  const domain = spec.slice(at + 1).toLowerCase();
  return { address: `${localPart}@${domain}`, localPart, domain, ...(name ? { name } : {}) };
}

// A lone surrogate has no UTF-8 encoding: a header writer would put U+FFFD (or nothing) there.
function assertWellFormedAddress(value: string): void {
  const lone = findLoneSurrogate(value);
  if (lone) {
    throw new AgentMailError({
      code: "invalid_address",
      message: `an address has a lone surrogate (${lone.unit} at index ${lone.index}), which has no UTF-8 encoding`,
    });
  }
}

function unquoteDisplayName(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) {
    return trimmed.slice(1, -1).replace(/\\(.)/g, "$1");
  }
  return trimmed;
}

/**
 * Formats a mailbox for a header or an API field: `Name <addr>` with the name quoted when it
 * has specials, or the bare address.
 *
 * @example
 * formatAddress({ address: "a@x.example", localPart: "a", domain: "x.example", name: "Bot, A" });
 * // '"Bot, A" <a@x.example>'
 * @throws {AgentMailError} `invalid_address` for a lone surrogate in the name or address.
 */
export function formatAddress(mailbox: Mailbox): string {
  assertWellFormedAddress(mailbox.address);
  if (!mailbox.name) return mailbox.address;
  assertWellFormedAddress(mailbox.name);
  const name = /^[\w !#$%&'*+\-/=?^`{|}~\u0080-\uffff]+$/.test(mailbox.name)
    ? mailbox.name
    : `"${mailbox.name.replace(/(["\\])/g, "\\$1")}"`;
  return `${name} <${mailbox.address}>`;
}

// Checked before lower-casing: some non-ASCII letters (KELVIN SIGN) lower-case to ASCII.
const AGENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Normalises and checks an agent id: 1–64 characters of `[a-z0-9._-]`, case-insensitive
 * (returned lower-cased), and not made of dots only (ours: `.` and `..` cannot be URL path segments).
 *
 * @example
 * normalizeAgentId("Report-Bot"); // "report-bot"
 * @throws {AgentMailError} `invalid_agent_id`.
 */
export function normalizeAgentId(agentId: string): string {
  // "." and ".." match the character set but cannot travel in a URL path (dot-segments).
  if (typeof agentId !== "string" || !AGENT_ID.test(agentId) || /^\.+$/.test(agentId)) {
    throw new AgentMailError({
      code: "invalid_agent_id",
      message: `agent id ${JSON.stringify(String(agentId).slice(0, 80))} is invalid: use 1-${Limits.agentIdLength} characters of a-z, 0-9, ".", "_" or "-"`,
    });
  }
  return agentId.toLowerCase();
}

/**
 * The directory id of the agent behind an address (spec §1): an explicit `peerAgentId` wins;
 * otherwise the local part when the address is on `mailDomain`.
 *
 * @example
 * agentIdFor("other-agent@agents.example.com", { mailDomain: "agents.example.com" }); // "other-agent"
 * agentIdFor("bot@partner.example", { mailDomain: "agents.example.com", peerAgentId: "partner-bot" }); // "partner-bot"
 * @throws {AgentMailError} `peer_agent_id_required` for an address off `mailDomain` without
 * `peerAgentId`; `invalid_address`, `invalid_agent_id`.
 */
export function agentIdFor(
  address: string | Mailbox,
  options: { mailDomain: string; peerAgentId?: string | undefined },
): string {
  const mailbox = typeof address === "string" ? parseAddress(address) : address;
  if (options.peerAgentId !== undefined) return normalizeAgentId(options.peerAgentId);
  if (mailbox.domain === options.mailDomain.toLowerCase())
    return normalizeAgentId(mailbox.localPart);
  throw new AgentMailError({
    code: "peer_agent_id_required",
    message: `${mailbox.address} is not on the mail domain ${options.mailDomain}: pass peerAgentId to name its agent in the directory`,
  });
}

/**
 * The bare addresses of several mailbox lists, each address once across all of them (compared
 * case-insensitively; the first list that names it keeps it): the envelope recipients of a
 * message, list by list.
 *
 * @example
 * const [to, cc, bcc] = distinctAddresses([message.to, message.cc, message.bcc]);
 */
export function distinctAddresses(lists: readonly (readonly Mailbox[] | undefined)[]): string[][] {
  const seen = new Set<string>();
  return lists.map((list) =>
    (list ?? [])
      .map((mailbox) => mailbox.address)
      .filter((address) => {
        const key = address.toLowerCase();
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      }),
  );
}
