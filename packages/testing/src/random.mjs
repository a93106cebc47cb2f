// A small seeded PRNG for the tests' generated inputs (fuzz cases, manifests) and the fuzz bench:
// the same seed gives the same sequence on every run, so a failure replays exactly. (The dev
// server's fault injector has its own copy: production code does not import test utilities.)
// Plain JavaScript (types in random.d.mts) so that `node bench/*.mjs` can import it.

/**
 * mulberry32: a deterministic PRNG returning numbers in [0, 1).
 *
 * @example
 * const random = seededRandom(7);
 * const pick = (items) => items[Math.floor(random() * items.length)];
 */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
