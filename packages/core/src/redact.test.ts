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
