// Money as exact integers: wallets in micro-units (1e-6 of the currency, what the wire rounds
// to), prices in pico-units (1e-12) so that a per-million-tokens price keeps its digits until
// the charge is rounded once. BigInt throughout: tokens (up to 1e12) times a price (up to 1e9)
// passes Number's safe integers.

/** Micro-units per unit of currency: amounts on the wire have 6 decimals. */
export const MICRO = 1_000_000n;
/** Pico-units per unit of currency: what prices are kept in. */
export const PICO = 1_000_000_000_000n;
/**
 * The most a wallet holds (available plus reserved), in micro-units: 1,000,000,000 USD, the
 * largest `startingBalance`. Below 2^31 units a 6-decimal amount is an exact JSON number (a
 * double keeps 15 significant digits), so wallets and rows read back exactly; settlements are
 * capped to keep every wallet within it.
 */
export const MAX_WALLET_MICRO = 1_000_000_000n * MICRO;

/**
 * A non-negative decimal number (as JSON gave it) in units of 10^-`decimals`, rounded half up:
 * read from its shortest decimal spelling, so `0.1` is exactly 100000 micro-units.
 *
 * @example
 * scaled(0.1, 6); // 100000n
 * scaled(1e-7, 6); // 0n
 */
export function scaled(value: number, decimals: number): bigint {
  if (!Number.isFinite(value) || value < 0) throw new RangeError("expected a finite amount >= 0");
  const [mantissa = "0", exponentText = "0"] = value.toString().toLowerCase().split("e");
  const [whole = "0", fraction = ""] = mantissa.split(".");
  // value = digits × 10^(exponent - fraction.length)
  const digits = BigInt(`${whole}${fraction}`);
  const shift = Number(exponentText) - fraction.length + decimals;
  if (shift >= 0) return digits * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  return (digits + divisor / 2n) / divisor;
}

/**
 * Micro-units as the wire's decimal number (6 decimals at most).
 *
 * @example
 * fromMicro(1_500_000n); // 1.5
 */
export function fromMicro(micro: bigint): number {
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  const text = `${abs / MICRO}.${(abs % MICRO).toString().padStart(6, "0")}`;
  return (negative ? -1 : 1) * Number(text);
}

/**
 * Pico-units rounded half up to micro-units (the charge is rounded once, at the end).
 *
 * @example
 * picoToMicro(1_500_000n); // 2n
 */
export function picoToMicro(pico: bigint): bigint {
  const per = PICO / MICRO;
  return (pico + per / 2n) / per;
}
