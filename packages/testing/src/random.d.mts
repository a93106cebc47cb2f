// Types of random.mjs.

/**
 * mulberry32: a deterministic PRNG returning numbers in [0, 1).
 *
 * @example
 * const random = seededRandom(7);
 * const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
 */
export declare function seededRandom(seed: number): () => number;
