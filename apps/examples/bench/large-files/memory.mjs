// Peak resident memory of this process, from Linux's /proc (exact, no sampling).
import { readFileSync, writeFileSync } from "node:fs";

const kib = (field) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"))?.[1]);

/** Collects garbage, resets the peak to the current RSS, and returns that baseline in bytes. */
export function resetPeak() {
  globalThis.gc?.();
  // "5" resets VmHWM (the peak) to the current RSS (Linux >= 4.0).
  writeFileSync("/proc/self/clear_refs", "5");
  return kib("VmRSS") * 1024;
}

/** The peak RSS since the last reset, in bytes. */
export function peakRss() {
  return kib("VmHWM") * 1024;
}
