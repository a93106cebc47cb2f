import type { AgentMailClient, InboxItem } from "@assmbl/transport-api";

/**
 * The newest message in an agent's inbox with exactly this subject, waiting up to `timeoutMs` for
 * it to arrive (mail through real SES takes seconds; the dev server delivers at once).
 *
 * @example
 * const item = await findMessage(inbox, "Q3 numbers (k3x9a1)", { timeoutMs: 60_000 });
 * @throws {Error} when no such message arrived in time.
 */
export async function findMessage(
  inbox: AgentMailClient,
  subject: string,
  { timeoutMs = 60_000, pollMs = 2_000 }: { timeoutMs?: number; pollMs?: number } = {},
): Promise<InboxItem> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let found: InboxItem | undefined;
    // `q` matches a substring of subject or sender; keep the exact subject, newest last.
    for await (const item of inbox.iterInbox({ q: subject, limit: 100 })) {
      if (item.subject === subject) found = item;
    }
    if (found) return found;
    if (Date.now() >= deadline) throw new Error(`no message "${subject}" arrived in the inbox`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
