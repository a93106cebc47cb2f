/**
 * One request that reached the server.
 *
 * @example
 * const [first] = server.requests.entries(); // { method: "GET", path: "/public/agents/peer", status: 200, at }
 */
export interface RequestLogEntry {
  /** Upper-case HTTP method. */
  method: string;
  /** The path as the client sent it (percent-encoded, dot segments resolved), without the query. */
  path: string;
  /** The status the server answered. */
  status: number;
  /** The agent whose credentials (token or SES signature) the server accepted; absent otherwise. */
  agentId?: string;
  /** When the response was produced. */
  at: Date;
}

/**
 * Which entries {@link RequestLog.count} counts: every field given must match.
 *
 * @example
 * const filter: RequestLogFilter = { method: "GET", path: /^\/public\/agents\// };
 */
export interface RequestLogFilter {
  /** Compared case-insensitively. */
  method?: string;
  /** A string must equal the path; a RegExp is tested against it. */
  path?: string | RegExp;
}

/**
 * Every request that reached the server, in order: what tests assert against ("the client made
 * exactly one lookup").
 *
 * @example
 * server.requests.clear();
 * await directory.lookup("peer");
 * server.requests.count({ method: "GET", path: "/public/agents/peer" }); // 1
 */
export class RequestLog {
  readonly #entries: RequestLogEntry[] = [];
  readonly #onRecord: ((entry: RequestLogEntry) => void) | undefined;

  /**
   * @param onRecord Told of each entry as it is recorded (a copy), e.g. to print a log line.
   */
  constructor(onRecord?: (entry: RequestLogEntry) => void) {
    this.#onRecord = onRecord;
  }

  /**
   * Adds an entry; the server calls this, tests normally do not.
   *
   * @example
   * log.record({ method: "GET", path: "/", status: 404 });
   */
  record(entry: {
    method: string;
    path: string;
    status: number;
    agentId?: string | undefined;
    at?: Date;
  }): void {
    const recorded: RequestLogEntry = {
      method: entry.method.toUpperCase(),
      path: entry.path,
      status: entry.status,
      ...(entry.agentId === undefined ? {} : { agentId: entry.agentId }),
      at: entry.at ?? new Date(),
    };
    this.#entries.push(recorded);
    this.#onRecord?.({ ...recorded, at: new Date(recorded.at) });
  }

  /**
   * How many entries match `filter` (all of them without one).
   *
   * @example
   * requests.count({ method: "POST", path: "/directory/register" });
   */
  count(filter: RequestLogFilter = {}): number {
    return this.#entries.filter((entry) => matches(entry, filter)).length;
  }

  /**
   * A copy of every entry, oldest first.
   *
   * @example
   * requests.entries().map((entry) => entry.status);
   */
  entries(): RequestLogEntry[] {
    return this.#entries.map((entry) => ({ ...entry, at: new Date(entry.at) }));
  }

  /**
   * Forgets every entry.
   *
   * @example
   * requests.clear();
   */
  clear(): void {
    this.#entries.length = 0;
  }
}

function matches(entry: RequestLogEntry, filter: RequestLogFilter): boolean {
  if (filter.method !== undefined && entry.method !== filter.method.toUpperCase()) return false;
  const { path } = filter;
  if (path === undefined) return true;
  if (typeof path === "string") return entry.path === path;
  // A global or sticky RegExp keeps state between tests; start each test from the beginning.
  path.lastIndex = 0;
  return path.test(entry.path);
}
