import { describe, expect, it } from "vitest";
import { chargeMicro, meteredPricing, reservationMicro } from "./charge.js";
import { decodeUsageCursor, encodeUsageCursor } from "./ledger.js";
import { fromMicro, scaled } from "./money.js";

const metered = (pricing: Record<string, unknown>) => {
  const parsed = meteredPricing({ enabled: true, ...pricing });
  if (parsed === undefined) throw new Error("expected a metered pricing");
  return parsed;
};

describe("money", () => {
  it("reads decimals exactly from their shortest spelling and rounds half up", () => {
    expect(scaled(0.1, 6)).toBe(100_000n);
    expect(scaled(0.1 + 0.2, 6)).toBe(300_000n); // 0.30000000000000004
    expect(scaled(1e-7, 6)).toBe(0n);
    expect(scaled(5e-7, 6)).toBe(1n);
    expect(scaled(1e21, 0)).toBe(10n ** 21n);
    expect(scaled(123.4567895, 6)).toBe(123_456_790n);
    expect(() => scaled(-1, 6)).toThrow(RangeError);
    expect(fromMicro(1_500_000n)).toBe(1.5);
    expect(fromMicro(-10_000n)).toBe(-0.01);
    expect(fromMicro(99_990_000n)).toBe(99.99);
  });

  it("cursors round-trip, and anything else is not a cursor", () => {
    expect(decodeUsageCursor(encodeUsageCursor(7))).toBe(7);
    for (const bad of ["", "!", Buffer.from('{"after":-1}').toString("base64url"), "bnVsbA"]) {
      expect(decodeUsageCursor(bad)).toBeUndefined();
    }
  });
});

describe("the marketplace's arithmetic", () => {
  it("meters only an enabled pricing; an absent model is free", () => {
    expect(meteredPricing({ pricing_model: "per_request", base_price: 1 })).toBeUndefined();
    expect(meteredPricing({ pricing_model: "per_message", base_price: 1, enabled: true })).toBe(
      undefined,
    );
    expect(metered({}).model).toBe("free");
  });

  it("holds max(base_price, minimum_charge), nothing for a free model", () => {
    expect(reservationMicro(metered({ pricing_model: "per_request", base_price: 0.01 }))).toBe(
      10_000n,
    );
    expect(
      reservationMicro(
        metered({ pricing_model: "token_based", base_price: 0.01, minimum_charge: 0.05 }),
      ),
    ).toBe(50_000n);
    expect(reservationMicro(metered({ pricing_model: "free", base_price: 3 }))).toBe(0n);
  });

  it("charges base_price, plus tokens per million or outcomes, at least minimum_charge, rounded once", () => {
    const tokens = metered({
      pricing_model: "token_based",
      base_price: 0.01,
      token_price_input: 0.1,
      token_price_output: 0.3,
    });
    // 0.01 + 1200 × 0.1 / 1e6 + 300 × 0.3 / 1e6 = 0.01021 exactly
    expect(chargeMicro(tokens, { tokens_input: 1200, tokens_output: 300 }, 0)).toBe(10_210n);
    // 0.01 + 7 × 0.1 / 1e6 = 0.0100007 → 0.010001 (half up, once: not 0 per part)
    expect(chargeMicro(tokens, { tokens_input: 7 }, 0)).toBe(10_001n);
    const dynamic = metered({ pricing_model: "dynamic", base_price: 0.002, outcome_price: 0.25 });
    expect(chargeMicro(dynamic, { outcomes_returned: 3 }, 0)).toBe(752_000n);
    expect(chargeMicro(dynamic, null, 0)).toBe(2_000n);
    const floor = metered({ pricing_model: "per_request", base_price: 0.01, minimum_charge: 0.5 });
    expect(chargeMicro(floor, { tokens_input: 1_000_000 }, 0)).toBe(500_000n);
    // per_request ignores usage.
    expect(
      chargeMicro(
        metered({ pricing_model: "per_request", base_price: 0.01 }),
        { tokens_input: 9 },
        0,
      ),
    ).toBe(10_000n);
    // Large counts stay exact (BigInt): 1e12 tokens at 1e9 per million.
    const huge = metered({ pricing_model: "token_based", token_price_input: 1_000_000_000 });
    expect(chargeMicro(huge, { tokens_input: 1_000_000_000_000 }, 0)).toBe(10n ** 21n);
  });

  it("charges nothing for the first free_quota settled requests of a buyer, and for a free model", () => {
    const quota = metered({ pricing_model: "per_request", base_price: 0.01, free_quota: 2 });
    expect([0, 1, 2, 3].map((before) => chargeMicro(quota, null, before))).toEqual([
      0n,
      0n,
      10_000n,
      10_000n,
    ]);
    expect(chargeMicro(metered({ pricing_model: "free", minimum_charge: 1 }), null, 0)).toBe(0n);
  });
});
