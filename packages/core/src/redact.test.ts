import { describe, expect, it } from "vitest";
import { redact, redactValue } from "./redact.js";

const PRIVATE_KEY =
  "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQVYBGXsecretmaterial\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----";

describe("redact", () => {
  it("redacts bearer tokens", () => {
    expect(redact("Authorization: Bearer abc.def.ghi")).toBe("Authorization: Bearer [redacted]");
    expect(redact('{"auth":"bearer tok-123"}')).toBe('{"auth":"bearer [redacted]"}');
  });

  it("redacts armored private keys, with or without their END line", () => {
    expect(redact(`key: ${PRIVATE_KEY} done`)).toBe("key: [redacted private key] done");
    expect(
      redact("-----BEGIN RSA PRIVATE KEY-----\nMIIEsecret\n-----END RSA PRIVATE KEY-----"),
    ).toBe("[redacted private key]");
    expect(redact("x -----BEGIN PGP PRIVATE KEY BLOCK-----\nlQVYtruncated")).toBe(
      "x [redacted private key]",
    );
  });

  it("keeps public keys and PGP messages", () => {
    const publicKey =
      "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBpublic\n-----END PGP PUBLIC KEY BLOCK-----";
    expect(redact(publicKey)).toBe(publicKey);
  });

  it("redacts token= / passphrase: style assignments", () => {
    expect(redact("passphrase=hunter22")).toBe("passphrase=[redacted]");
    expect(redact("url?access_token=abc123&x=1")).toBe("url?access_token=[redacted]&x=1");
    expect(redact('{"token":"tok_987","ok":true}')).toBe('{"token":"[redacted]","ok":true}');
    expect(redact("Password: hunter2 next")).toBe("Password: [redacted] next");
    expect(redact("signing_secret = whsec_1")).toBe("signing_secret = [redacted]");
  });

  it("redacts the exact secrets it is given, everywhere they occur", () => {
    expect(redact("key sk_live_XYZ123 and again sk_live_XYZ123", ["sk_live_XYZ123"])).toBe(
      "key [redacted] and again [redacted]",
    );
    expect(redact("a.b*c(d) here", ["a.b*c(d)"])).toBe("[redacted] here");
  });

  it("applies secrets of 4 characters or more, not shorter ones", () => {
    expect(redact("the cat sat", ["cat", "", "at"])).toBe("the cat sat");
    expect(redact("the cats sat", ["cats"])).toBe("the [redacted] sat");
  });

  it("leaves ordinary text alone", () => {
    expect(redact("peer other-agent has no OpenPGP key")).toBe(
      "peer other-agent has no OpenPGP key",
    );
    expect(redact("")).toBe("");
  });
});

describe("redactValue", () => {
  it("redacts strings and leaves other primitives", () => {
    expect(redactValue("Bearer tok123")).toBe("Bearer [redacted]");
    expect(redactValue(42)).toBe(42);
    expect(redactValue(true)).toBe(true);
    expect(redactValue(null)).toBe(null);
    expect(redactValue(undefined)).toBe(undefined);
  });

  it("redacts inside nested arrays and objects and returns a copy", () => {
    const input = {
      error: "bad",
      echo: "Bearer tok123",
      items: [["sk_live_XYZ123", { deep: "x sk_live_XYZ123 y" }], 7],
      detail: { key: PRIVATE_KEY, count: 2 },
    };
    const output = redactValue(input, ["sk_live_XYZ123"]);
    expect(output).toEqual({
      error: "bad",
      echo: "Bearer [redacted]",
      items: [["[redacted]", { deep: "x [redacted] y" }], 7],
      detail: { key: "[redacted private key]", count: 2 },
    });
    expect(output).not.toBe(input);
    expect(input.echo).toBe("Bearer tok123");
  });

  it("replaces values under secret-looking key names whatever their type", () => {
    expect(
      redactValue({
        token: "tok_abc",
        Authorization: "Basic dXNlcjpwYXNz",
        passphrase: { nested: "hunter22" },
        privateKeyArmored: PRIVATE_KEY,
        api_key: 12345,
        name: "kept",
      }),
    ).toEqual({
      token: "[redacted]",
      Authorization: "[redacted]",
      passphrase: "[redacted]",
      privateKeyArmored: "[redacted]",
      api_key: "[redacted]",
      name: "kept",
    });
  });

  it("does not apply secrets shorter than 4 characters", () => {
    expect(redactValue({ a: "abc", b: ["abc def"] }, ["abc"])).toEqual({
      a: "abc",
      b: ["abc def"],
    });
  });

  it("terminates on a cyclic value", () => {
    const cyclic: Record<string, unknown> = { note: "Bearer tok123" };
    cyclic.self = cyclic;
    const output = redactValue(cyclic) as Record<string, unknown>;
    expect(output.note).toBe("Bearer [redacted]");
  });

  it("does not return secrets nested deeper than its depth limit", () => {
    let deep: unknown = { token: "tok_deep_secret", text: "sk_live_DEEP1" };
    for (let i = 0; i < 12; i++) deep = { level: deep };
    const output = JSON.stringify(redactValue(deep, ["sk_live_DEEP1"]));
    expect(output).not.toContain("tok_deep_secret");
    expect(output).not.toContain("sk_live_DEEP1");
  });
});

describe("redact and validation messages", () => {
  it("leaves parseInput's wording of a field named token intact", () => {
    expect(
      redact("createDirectory options: token is invalid (expected string, received number)"),
    ).toBe("createDirectory options: token is invalid (expected string, received number)");
  });
});

describe("redact: a secret echoed encoded or in another case", () => {
  const token = "am_live_Tok3n.secret/Value+42";
  const bytes = Buffer.from(token, "utf8");
  const echoes: [string, string][] = [
    ["upper-cased", token.toUpperCase()],
    ["lower-cased", token.toLowerCase()],
    ["base64", bytes.toString("base64")],
    ["base64 without padding", bytes.toString("base64").replace(/=+$/, "")],
    ["base64url", bytes.toString("base64url")],
    ["base64 of 'Bearer <token>' (offset 1)", Buffer.from(`Bearer ${token}`).toString("base64")],
    ["base64 of 'x:<token>' (offset 2)", Buffer.from(`x:${token}`).toString("base64")],
    ["base64 of 'tok=<token>' (offset 0)", Buffer.from(`tok=${token}`).toString("base64")],
    ["base64url of 'ab<token>'", Buffer.from(`ab${token}`).toString("base64url")],
    ["hex", bytes.toString("hex")],
    ["HEX", bytes.toString("hex").toUpperCase()],
    ["percent-encoded", encodeURIComponent(token)],
    [
      "every byte percent-encoded",
      [...bytes].map((b) => `%${b.toString(16).toUpperCase()}`).join(""),
    ],
  ];

  it.each(echoes)("redacts the token echoed %s", (_, echo) => {
    const out = redact(`server said: ${echo} (bad)`, [token]);
    expect(out).toContain("[redacted]");
    // What is left of the echo is at most the encoded prefix and 3 partial characters at each
    // end (bits shared with the bytes around the token): never enough to rebuild it.
    const left = out.replace("server said: ", "").replace(" (bad)", "").replace("[redacted]", "");
    const prefix = /of '(.*)<token>'/.exec(_)?.[1] ?? "";
    expect(left.length).toBeLessThanOrEqual(Math.ceil((prefix.length * 4) / 3) + 6);
  });

  it("redacts every echo inside a nested response body", () => {
    const body = {
      error: "forbidden",
      detail: { echo: bytes.toString("base64"), hex: bytes.toString("hex") },
    };
    expect(JSON.stringify(redactValue(body, [token]))).not.toMatch(
      new RegExp(`${bytes.toString("base64").slice(0, 12)}|${bytes.toString("hex").slice(0, 12)}`),
    );
  });

  it("leaves ordinary text alone", () => {
    expect(redact("nothing secret here, 42 files", [token])).toBe("nothing secret here, 42 files");
  });
});

describe("redact: secrets too long for a RegExp", () => {
  // V8 refuses a RegExp source of ~32 KiB with a SyntaxError that quotes the pattern: the
  // percent-encoded secret was one. 14 KiB is a pasted RSA private key block.
  const long = `-----BEGIN PGP PUBLIC KEY BLOCK-----\n${"mQINBGsMoHcBEACyWoLj3xBfM0W3".repeat(500)}`;

  it("redacts a 14 KiB secret without throwing", () => {
    const echo = Buffer.from(long).toString("hex");
    expect(redact(`a ${long} b ${echo} c`, [long])).toBe("a [redacted] b [redacted] c");
  });

  it("an AgentMailError with it as a secret is built, and quotes none of it", async () => {
    const { AgentMailError } = await import("./errors.js");
    const error = new AgentMailError({
      code: "invalid_public_key",
      message: "bad key",
      secrets: [long],
    });
    expect(error.message).toBe("bad key");
    expect(error.code).toBe("invalid_public_key");
  });
});

describe("redact never throws", () => {
  it("replaces the whole text when something inside fails", () => {
    expect(redact(42 as unknown as string, ["secret-value"])).toBe("[redacted]");
    expect(redact({} as unknown as string)).toBe("[redacted]");
  });

  it("ignores secrets that are not strings", () => {
    expect(redact("keep sk_live_XYZ123", [null, 7, "sk_live_XYZ123"] as unknown as string[])).toBe(
      "keep [redacted]",
    );
  });

  it("redactValue passes nothing on from a value whose getter throws", () => {
    const hostile = {
      get boom() {
        throw new Error("sk_live_XYZ123");
      },
    };
    expect(redactValue(hostile, ["sk_live_XYZ123"])).toBe("[redacted]");
  });
});

describe("redact: echoes through escapes, folds and wrapping", () => {
  const token = "am_Tok3nSecretValue/with+slash~x.y-z0123456789==";
  const bytes = Buffer.from(token, "utf8");
  const hexOf = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, "0"));
  const echoes: [string, string][] = [
    [
      "JSON \\u escapes",
      [...token].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
    ],
    ["JSON \\/", token.replace(/\//g, "\\/")],
    ["encodeURI with + and = escaped", encodeURI(token).replace(/\+/g, "%2B").replace(/=/g, "%3D")],
    ["percent-encoded twice", encodeURIComponent(encodeURIComponent(token))],
    ["folded across lines", `${token.slice(0, 20)}\r\n ${token.slice(20)}`],
    ["folded with JSON \\r\\n", `${token.slice(0, 20)}\\r\\n\\t${token.slice(20)}`],
    ["base64 wrapped at 20", bytes.toString("base64").replace(/(.{20})/g, "$1\n")],
    ["hex with spaces, upper case", hexOf(bytes).join(" ").toUpperCase()],
    ["hex with colons", hexOf(bytes).join(":")],
    [
      "\\x escapes",
      hexOf(bytes)
        .map((h) => `\\x${h}`)
        .join(""),
    ],
    [
      "quoted-printable",
      hexOf(bytes)
        .map((h) => `=${h.toUpperCase()}`)
        .join(""),
    ],
    ["HTML decimal entities", [...token].map((c) => `&#${c.charCodeAt(0)};`).join("")],
    ["HTML hex entities", [...token].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join("")],
    [
      "hex of UTF-16",
      [...token].map((c) => c.charCodeAt(0).toString(16).padStart(4, "0")).join(""),
    ],
    ["fullwidth", [...token].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join("")],
    ["cut short (the last 3 characters missing)", token.slice(0, -3)],
    ["only its first 30 characters", token.slice(0, 30)],
    ["only 24 characters from its middle", token.slice(10, 34)],
    ["the first 32 characters of its base64", bytes.toString("base64").slice(0, 32)],
  ];

  it.each(echoes)("redacts the token echoed %s", (_, echo) => {
    const out = redact(`server said: ${echo} (bad)`, [token]);
    expect(out).toBe("server said: [redacted] (bad)");
  });

  it.each(echoes)("redacts the token echoed %s inside a JSON body", (_, echo) => {
    const out = JSON.stringify(
      redactValue({ error: "unauthorized", detail: { note: echo } }, [token]),
    );
    expect(out).toBe('{"error":"unauthorized","detail":{"note":"[redacted]"}}');
  });

  it("redacts the token base64-encoded after other bytes and wrapped at 76 (a MIME body)", () => {
    const mime = Buffer.from(`${"x".repeat(50)}${token}`)
      .toString("base64")
      .replace(/(.{76})/g, "$1\r\n");
    // Left: the base64 of the 50 x's, and the characters that mix the token's bits with theirs.
    expect(redact(`server said: ${mime} (bad)`, [token])).toMatch(
      /^server said: (?:eHh4){16}eHh\[redacted\]0= \(bad\)$/,
    );
  });

  it("keeps the text around the echo exact when case folding would change lengths", () => {
    // "İ".toLowerCase() is two characters: a view built with toLowerCase would cut elsewhere.
    expect(redact(`İİİ ${token.toUpperCase()} İ end`, [token])).toBe("İİİ [redacted] İ end");
  });

  it("redacts a non-ASCII secret echoed percent-encoded", () => {
    const secret = "pässwörd-ünïcode";
    expect(redact(`x=${encodeURIComponent(secret)};`, [secret])).toBe("x=[redacted];");
  });

  it("does not find a cut-short echo of a secret under 32 characters", () => {
    const short = "am_live_0123456789abcdefghijklm"; // 30 characters
    expect(redact(`echo ${short.slice(0, 26)} end`, [short])).toBe(
      `echo ${short.slice(0, 26)} end`,
    );
  });

  it("leaves escapes, entities and line breaks of ordinary text alone", () => {
    const text = 'line one\r\n  line two 100% =41 &amp; \\n \\u0041 {"a":"b\\/c"}';
    expect(redact(text, [token])).toBe(text);
  });

  it("redacts a token used as a property name, and keeps __proto__ a plain property", () => {
    const body = JSON.parse(`{"${token}": 1, "__proto__": {"polluted": true}}`);
    const out = redactValue(body, [token]) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(["[redacted]", "__proto__"]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
