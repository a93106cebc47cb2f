import { describe, expect, it } from "vitest";
import { assertFoldable, foldableJson, foldHeaderValue } from "./fold.js";

const unfold = (folded: string) => folded.replace(/\r\n(?=[ \t])/g, "");

describe("foldHeaderValue", () => {
  it("folds before existing white space only, so unfolding gives back the exact value", () => {
    const value = "a quarterly  report about   many things, with a long tail of words to wrap";
    const folded = foldHeaderValue("Subject", value);
    expect(folded).toContain("\r\n");
    expect(unfold(folded)).toBe(value);
    for (const line of `Subject: ${folded}`.split("\r\n"))
      expect(line.length).toBeLessThanOrEqual(78);
  });

  it("never breaks right after the colon, and leaves a long word whole", () => {
    const word = "x".repeat(120);
    expect(foldHeaderValue("X-Long", word)).toBe(word);
    expect(foldHeaderValue("X-Long", `${word} tail`)).toBe(`${word}\r\n tail`);
  });
});

describe("foldableJson", () => {
  it("leaves JSON with white space often enough unchanged", () => {
    const json = JSON.stringify([{ a: "x y" }]);
    expect(foldableJson(json)).toBe(json);
    const spaced = `[${Array.from({ length: 50 }, () => '"a b c d e f g h"').join(",")}]`;
    expect(foldableJson(spaced, 40)).toBe(spaced);
  });

  it("adds one space between tokens (after a comma outside strings) where a run is too long", () => {
    const json = JSON.stringify(Array.from({ length: 30 }, (_, i) => ({ index: i, name: "a,b" })));
    const out = foldableJson(json, 100);
    expect(out).not.toBe(json);
    expect(JSON.parse(out)).toEqual(JSON.parse(json));
    expect(out.replaceAll(", ", ",")).toBe(json);
    // Never inside a string.
    expect(out).not.toContain('"a, b"');
    for (const run of out.split(" ")) expect(run.length).toBeLessThanOrEqual(100);
  });

  it("refuses a single token too long to fit a line", () => {
    expect(() => foldableJson(JSON.stringify(["x".repeat(1000)]))).toThrow(/998/);
  });
});

describe("assertFoldable", () => {
  it("accepts words that fit a line, and non-ASCII (which is RFC 2047-encoded)", () => {
    expect(() => assertFoldable("X-A", "short words", "header X-A")).not.toThrow();
    expect(() => assertFoldable("X-A", "é".repeat(2000), "header X-A")).not.toThrow();
  });

  it("rejects an ASCII run over the 998-character line limit", () => {
    expect(() => assertFoldable("X-A", "y".repeat(995), "header X-A")).toThrow(/998/);
  });
});
