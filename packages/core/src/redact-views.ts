// The views `redact` searches a text in: the text decoded (escapes undone, line folds removed),
// with only its ASCII letters and digits, or case-folded; each character of a view remembers the
// span of the original text it came from.
/** A transformed copy of a text; character `i` came from `[starts[i], ends[i])` of the original. */
export interface View {
  text: string;
  starts: Int32Array;
  ends: Int32Array;
}

/**
 * The text itself as a view.
 *
 * @example
 * identity("ab"); // { text: "ab", starts: [0, 1], ends: [1, 2] }
 */
export function identity(text: string): View {
  const starts = new Int32Array(text.length);
  const ends = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    starts[i] = i;
    ends[i] = i + 1;
  }
  return { text, starts, ends };
}

/**
 * Lower-cases A-Z, and maps fullwidth ASCII (U+FF01-U+FF5E) to ASCII: one character for one, so
 * view positions stay valid (toLowerCase and NFKC turn some characters into two).
 *
 * @example
 * fold("ÄBC＿Ｘ"); // "Äbc_x"
 */
export function fold(text: string): string {
  const ascii = FULLWIDTH.test(text)
    ? text.replace(FULLWIDTH_RUNS, (run) => {
        let out = "";
        for (let i = 0; i < run.length; i++) out += String.fromCharCode(run.charCodeAt(i) - 0xfee0);
        return out;
      })
    : text;
  return ascii.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

const FULLWIDTH = /[\uFF01-\uFF5E]/;
const FULLWIDTH_RUNS = /[\uFF01-\uFF5E]+/g;

/**
 * Only the ASCII letters and digits of `text`.
 *
 * @example
 * alnum("61:6d 5f"); // "616d5f"
 */
export function alnum(text: string): string {
  return text.replace(/[^0-9A-Za-z]+/g, "");
}

/**
 * {@link alnum} of a view, keeping where each character came from.
 *
 * @example
 * keepAlnum(identity("61:6d")).text; // "616d"
 */
export function keepAlnum(view: View): View {
  return select(view, (code) => isAlnum(code));
}

function isAlnum(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a)
  );
}

function select(view: View, keep: (code: number) => boolean): View {
  const builder = new ViewBuilder(view.text.length);
  for (let i = 0; i < view.text.length; i++) {
    const code = view.text.charCodeAt(i);
    if (keep(code)) builder.push(code, view.starts[i] as number, view.ends[i] as number);
  }
  return builder.view();
}

class ViewBuilder {
  #codes: number[] = [];
  readonly #starts: Int32Array;
  readonly #ends: Int32Array;
  constructor(max: number) {
    // A decoded character comes from at least one original one, except the two halves of an
    // astral code point from one entity (and an entity is longer than 2 characters).
    this.#starts = new Int32Array(max);
    this.#ends = new Int32Array(max);
  }
  push(code: number, start: number, end: number): void {
    this.#starts[this.#codes.length] = start;
    this.#ends[this.#codes.length] = end;
    this.#codes.push(code);
  }
  view(): View {
    let text = "";
    for (let i = 0; i < this.#codes.length; i += 4096) {
      text += String.fromCharCode(...this.#codes.slice(i, i + 4096));
    }
    const n = this.#codes.length;
    return { text, starts: this.#starts.subarray(0, n), ends: this.#ends.subarray(0, n) };
  }
}

const NAMED: Readonly<Record<string, number>> = {
  amp: 0x26,
  lt: 0x3c,
  gt: 0x3e,
  quot: 0x22,
  apos: 0x27,
  sol: 0x2f,
  plus: 0x2b,
  equals: 0x3d,
  colon: 0x3a,
  lowbar: 0x5f,
  period: 0x2e,
  tilde: 0x7e,
};
const HEX = /^[0-9A-Fa-f]+$/;
// The characters `decode` looks at twice: escapes' first characters, and line breaks.
const MAY_START_ESCAPE: readonly boolean[] = (() => {
  const table: boolean[] = [];
  for (const c of "\\%=&\r\n") table[c.charCodeAt(0)] = true;
  return table;
})();
const ENTITY = /^&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([a-zA-Z]{2,8}));/;

/**
 * One layer of escapes undone: JSON and C (`\uXXXX`, `\xHH`, `\/`, `\\`, `\"`, `\n`), percent
 * (`%HH`, one byte one character), quoted-printable (`=HH`, soft breaks), HTML entities; and
 * line folds removed (CR, LF, and the spaces and tabs after them).
 *
 * @example
 * decode(identity("a\\/b%41&#67;")).text; // "a/bAC"
 */
export function decode(view: View): View {
  const t = view.text;
  const builder = new ViewBuilder(t.length);
  let afterBreak = false;
  for (let i = 0; i < t.length; ) {
    const c = t.charCodeAt(i);
    if (!MAY_START_ESCAPE[c] && !(afterBreak && (c === 0x20 || c === 0x09))) {
      afterBreak = false;
      builder.push(c, view.starts[i] as number, view.ends[i] as number);
      i++;
      continue;
    }
    const [codes, used] = unescapeAt(t, i);
    const start = view.starts[i] as number;
    const end = view.ends[i + used - 1] as number;
    i += used;
    for (const code of codes) {
      if (code === 0x0a || code === 0x0d) afterBreak = true;
      else if (afterBreak && (code === 0x20 || code === 0x09)) continue;
      else {
        afterBreak = false;
        builder.push(code, start, end);
      }
    }
  }
  return builder.view();
}

// The character codes the escape at `i` stands for (none for a soft line break) and its length.
function unescapeAt(t: string, i: number): [number[], number] {
  const c = t.charCodeAt(i);
  const hexAt = (from: number, count: number) => {
    const digits = t.slice(from, from + count);
    return digits.length === count && HEX.test(digits) ? Number.parseInt(digits, 16) : -1;
  };
  if (c === 0x5c /* \ */) {
    const next = t[i + 1];
    if (next === "u" && hexAt(i + 2, 4) >= 0) return [[hexAt(i + 2, 4)], 6];
    if (next === "x" && hexAt(i + 2, 2) >= 0) return [[hexAt(i + 2, 2)], 4];
    if (next === "n") return [[0x0a], 2];
    if (next === "r") return [[0x0d], 2];
    if (next === "t") return [[0x09], 2];
    if (next === "/" || next === "\\" || next === '"' || next === "'") {
      return [[next.charCodeAt(0)], 2];
    }
  } else if (c === 0x25 /* % */ || c === 0x3d /* = */) {
    const byte = hexAt(i + 1, 2);
    if (byte >= 0) return [[byte], 3];
    if (c === 0x3d && t[i + 1] === "\n") return [[], 2];
    if (c === 0x3d && t[i + 1] === "\r" && t[i + 2] === "\n") return [[], 3];
  } else if (c === 0x26 /* & */) {
    const entity = ENTITY.exec(t.slice(i, i + 12));
    if (entity) {
      const [whole, decimal, hex, name] = entity;
      const named = (name ?? "").toLowerCase();
      const point = decimal
        ? Number.parseInt(decimal, 10)
        : hex
          ? Number.parseInt(hex, 16)
          : Object.hasOwn(NAMED, named)
            ? NAMED[named]
            : undefined;
      if (point !== undefined && point <= 0x10ffff) {
        const text = String.fromCodePoint(point);
        const codes: number[] = [];
        for (let k = 0; k < text.length; k++) codes.push(text.charCodeAt(k));
        return [codes, whole.length];
      }
    }
  }
  return [[c], 1];
}
