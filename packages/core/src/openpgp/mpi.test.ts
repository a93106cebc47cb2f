import { describe, expect, it } from "vitest";
import { readCurveOid, readMpi } from "./mpi.js";

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("multiprecision integers and curve OIDs", () => {
  it("readMpi: the bit count must be the value's exact length for canonical", () => {
    expect(readMpi(bytes(0, 9, 1, 0xff), 0)).toMatchObject({
      ok: true,
      value: { mpi: { bits: 9, canonical: true }, end: 4 },
    });
    expect(readMpi(bytes(0, 16, 0, 0xff), 0)).toMatchObject({
      ok: true,
      value: { mpi: { canonical: false } },
    });
    expect(readMpi(bytes(0, 10, 1, 0xff), 0)).toMatchObject({
      ok: true,
      value: { mpi: { canonical: false } },
    });
    expect(readMpi(bytes(0, 0), 0)).toMatchObject({
      ok: true,
      value: { mpi: { canonical: false } },
    });
    expect(readMpi(bytes(0, 17, 1, 2), 0)).toMatchObject({ ok: false });
    expect(readMpi(bytes(0), 0)).toMatchObject({ ok: false });
  });

  it("readCurveOid: dotted decimal, non-minimal arcs flagged, reserved lengths refused", () => {
    const ed25519 = bytes(9, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01);
    expect(readCurveOid(ed25519, 0)).toEqual({
      ok: true,
      value: { oid: "1.3.6.1.4.1.11591.15.1", canonical: true, end: 10 },
    });
    expect(readCurveOid(bytes(3, 0x2b, 0x80, 0x06), 0)).toMatchObject({
      ok: true,
      value: { oid: "1.3.6", canonical: false },
    });
    expect(readCurveOid(bytes(0), 0).ok).toBe(false);
    expect(readCurveOid(bytes(0xff), 0).ok).toBe(false);
    expect(readCurveOid(bytes(2, 0x2b, 0x86), 0).ok).toBe(false);
    expect(readCurveOid(bytes(5, 0x2b), 0).ok).toBe(false);
  });
});
