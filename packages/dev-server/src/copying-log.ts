/**
 * An append-only record that only ever hands out copies, so nothing a caller does to what it got
 * back (or to what it added) changes what was recorded. The outboxes of `POST /send` and of the
 * SES endpoint are both one of these.
 *
 * @example
 * const log = new CopyingLog<{ raw: Uint8Array }>((entry) => ({ raw: new Uint8Array(entry.raw) }));
 * log.add({ raw: bytes });
 * log.messages()[0]?.raw !== bytes; // true: a copy
 */
export class CopyingLog<T> {
  readonly #entries: T[] = [];
  readonly #copy: (entry: T) => T;

  /** @param copy Makes a copy of an entry that shares no mutable part with it. */
  constructor(copy: (entry: T) => T) {
    this.#copy = copy;
  }

  /**
   * Records a copy of `entry`; the server calls this, tests normally do not.
   *
   * @example
   * server.sent.add(sentMessage);
   */
  add(entry: T): void {
    this.#entries.push(this.#copy(entry));
  }

  /**
   * Copies of every entry, oldest first.
   *
   * @example
   * server.ses.messages().map((message) => message.messageId);
   */
  messages(): T[] {
    return this.#entries.map(this.#copy);
  }

  /** The recorded entries themselves, for subclasses that only read them (no copy made). */
  protected entries(): readonly T[] {
    return this.#entries;
  }

  /**
   * Forgets every entry (inboxes keep their copies of delivered messages).
   *
   * @example
   * server.sent.clear();
   */
  clear(): void {
    this.#entries.length = 0;
  }
}
