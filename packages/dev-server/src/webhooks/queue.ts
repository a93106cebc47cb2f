// The deliverer's queue: pending deliveries counted per agent and in all (number and bytes),
// and ready ones started in turn, one agent after another, with a few in flight per agent. One
// agent's receiver that never answers (or a flood of its own mail) holds its own share only.

/** What the queue needs of a delivery. */
export interface Queued {
  agentId: string;
  /** The body's size in bytes while it is pending. */
  bytes: number;
}

/**
 * The queue's bounds.
 *
 * @example
 * const limits: QueueLimits = { maxPending: 1000, maxPendingPerAgent: 100, maxPendingBytes: 16 << 20, concurrency: 8, inFlightPerAgent: 2 };
 */
export interface QueueLimits {
  /** Pending deliveries in all. */
  maxPending: number;
  /** Pending deliveries of one agent. */
  maxPendingPerAgent: number;
  /** Bytes of pending bodies in all. */
  maxPendingBytes: number;
  /** Attempts in flight in all. */
  concurrency: number;
  /** Attempts in flight for one agent. */
  inFlightPerAgent: number;
}

interface AgentQueue<T> {
  ready: T[];
  pending: number;
  running: number;
}

/**
 * Pending deliveries, bounded, and the order their attempts start in: round robin over the
 * agents with a ready delivery, skipping an agent with `inFlightPerAgent` attempts running.
 *
 * @example
 * const queue = new FairQueue<Delivery>(limits);
 * if (queue.admit(delivery) === undefined) queue.ready(delivery);
 * const next = queue.next(); // started: call done(next) when its attempt ends
 */
export class FairQueue<T extends Queued> {
  readonly #limits: QueueLimits;
  readonly #agents = new Map<string, AgentQueue<T>>();
  /** Agents with a ready delivery, in the order they get their next turn. */
  #turns: string[] = [];
  #pending = 0;
  #bytes = 0;
  #running = 0;

  constructor(limits: QueueLimits) {
    this.#limits = limits;
  }

  /**
   * Pending deliveries in all.
   *
   * @example
   * queue.pending === 0; // idle
   */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Counts a new delivery as pending, or says why it cannot be (then nothing is counted).
   *
   * @example
   * const refused = queue.admit(delivery); // undefined, or "too many webhook deliveries are pending for this agent"
   */
  admit(item: T): string | undefined {
    const agent = this.#agent(item.agentId);
    if (agent.pending >= this.#limits.maxPendingPerAgent) {
      return "too many webhook deliveries are pending for this agent";
    }
    if (this.#pending >= this.#limits.maxPending) {
      return "too many webhook deliveries are pending";
    }
    if (this.#bytes + item.bytes > this.#limits.maxPendingBytes) {
      return "too many bytes of webhook deliveries are pending";
    }
    agent.pending++;
    this.#pending++;
    this.#bytes += item.bytes;
    return undefined;
  }

  /**
   * Makes an admitted delivery ready for its next attempt, behind its agent's other ready ones.
   *
   * @example
   * queue.ready(delivery);
   */
  ready(item: T): void {
    const agent = this.#agent(item.agentId);
    agent.ready.push(item);
    if (!this.#turns.includes(item.agentId)) this.#turns.push(item.agentId);
  }

  /**
   * The next delivery to attempt, counted as running, or `undefined` when the limits of
   * attempts in flight are reached or nothing is ready. Its agent goes to the back of the turns.
   *
   * @example
   * for (let next = queue.next(); next; next = queue.next()) start(next);
   */
  next(): T | undefined {
    if (this.#running >= this.#limits.concurrency) return undefined;
    const index = this.#turns.findIndex(
      (agentId) => (this.#agents.get(agentId)?.running ?? 0) < this.#limits.inFlightPerAgent,
    );
    if (index === -1) return undefined;
    const agentId = this.#turns[index] as string;
    const agent = this.#agent(agentId);
    const item = agent.ready.shift() as T;
    this.#turns.splice(index, 1);
    if (agent.ready.length > 0) this.#turns.push(agentId);
    agent.running++;
    this.#running++;
    return item;
  }

  /**
   * An attempt {@link FairQueue.next} started has ended.
   *
   * @example
   * queue.done(delivery);
   */
  done(item: T): void {
    const agent = this.#agent(item.agentId);
    agent.running--;
    this.#running--;
    this.#forgetIfIdle(item.agentId, agent);
  }

  /**
   * A pending delivery has finished: no longer counted.
   *
   * @example
   * queue.release(delivery);
   */
  release(item: T): void {
    const agent = this.#agent(item.agentId);
    agent.pending--;
    this.#pending--;
    this.#bytes -= item.bytes;
    this.#forgetIfIdle(item.agentId, agent);
  }

  /**
   * Takes every ready delivery out of the queue (still counted as pending: release each).
   *
   * @example
   * for (const delivery of queue.drain()) finish(delivery, "cancelled");
   */
  drain(): T[] {
    const items: T[] = [];
    for (const agent of this.#agents.values()) items.push(...agent.ready.splice(0));
    this.#turns = [];
    return items;
  }

  #agent(agentId: string): AgentQueue<T> {
    let agent = this.#agents.get(agentId);
    if (agent === undefined) {
      agent = { ready: [], pending: 0, running: 0 };
      this.#agents.set(agentId, agent);
    }
    return agent;
  }

  /** An agent with nothing pending or running takes no memory. */
  #forgetIfIdle(agentId: string, agent: AgentQueue<T>): void {
    if (agent.pending === 0 && agent.running === 0 && agent.ready.length === 0) {
      this.#agents.delete(agentId);
    }
  }
}
