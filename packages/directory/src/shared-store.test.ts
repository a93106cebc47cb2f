// A shared store (Keyv over Redis, say) is an optimisation: whatever it does — fail, hang, emit
// connection errors — a lookup still answers from the directory, and the process stays up.
import { EventEmitter } from "node:events";
import Keyv from "keyv";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { storeCache } from "./cache.js";
import { createDirectory } from "./directory.js";
import {
  type FixtureServer,
  sendJson,
  startFixtureServer,
  wireRecord,
} from "./testing/fixture-server.js";

let server: FixtureServer;
beforeAll(async () => {
  server = await startFixtureServer();
  server.handle((_request, response) => sendJson(response, 200, wireRecord("peer")));
});
afterAll(() => server.stop());
afterEach(() => {
  server.requests.length = 0;
});

/** A Keyv storage adapter that works, then loses its connection and says so as an event. */
class FlakyAdapter extends EventEmitter {
  readonly #map = new Map<string, unknown>();
  get(key: string) {
    return this.#map.get(key);
  }
  set(key: string, value: unknown) {
    this.#map.set(key, value);
    return true;
  }
  delete(key: string) {
    return this.#map.delete(key);
  }
  clear() {
    this.#map.clear();
  }
}

describe("a shared store that misbehaves", () => {
  it("an adapter's asynchronous 'error' event (a lost connection) does not end the process", async () => {
    const adapter = new FlakyAdapter();
    const store = new Keyv({ store: adapter });
    const directory = createDirectory({ baseUrl: server.url, store });
    expect((await directory.lookup("peer")).agentId).toBe("peer");
    // Keyv 6 re-emits its adapter's errors and throws one nobody listens for.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        adapter.emit("error", new Error("connection lost: redis://user:secret@cache:6379"));
        resolve();
      }),
    );
    expect((await directory.lookup("peer")).agentId).toBe("peer");
  });

  it("a store call that never settles counts as a miss once its deadline passes", async () => {
    const never = () => new Promise<never>(() => {});
    const cache = storeCache({ get: never, set: never, delete: never }, 20);
    expect(await cache.get("peer")).toBeUndefined();
    await expect(
      cache.set("peer", { kind: "missing", fetchedAt: 0 }, 1000),
    ).resolves.toBeUndefined();
    await expect(cache.delete("peer")).resolves.toBeUndefined();
  });

  it("a lookup through a store that hangs still answers from the directory, and the next one too", async () => {
    const never = () => new Promise<never>(() => {});
    const directory = createDirectory({
      baseUrl: server.url,
      store: { get: never, set: never, delete: never },
      storeTimeoutMs: 20,
    });
    expect((await directory.lookup("peer")).agentId).toBe("peer");
    expect((await directory.lookup("peer")).agentId).toBe("peer");
    expect(server.requests).toHaveLength(2);
  });

  it("a lookup's signal ends its wait on a hanging store", async () => {
    const never = () => new Promise<never>(() => {});
    const directory = createDirectory({
      baseUrl: server.url,
      store: { get: never, set: never, delete: never },
    });
    const error = await directory
      .lookup("peer", { signal: AbortSignal.timeout(50) })
      .catch((caught: { code?: string }) => caught);
    expect((error as { code?: string }).code).toBe("aborted");
    expect(server.requests).toHaveLength(0);
  });
});
