import { describe, expect, it } from "vitest";
import { userIdAddress } from "./user-id-address.js";

describe("userIdAddress", () => {
  it("reads the addr-spec of Name <addr> or a bare address, lower-cased", () => {
    expect(userIdAddress("My Agent <My-Agent@Agents.Localhost>")).toBe("my-agent@agents.localhost");
    expect(userIdAddress('"Report, Bot" <bot@agents.example.com>  ')).toBe(
      "bot@agents.example.com",
    );
    expect(userIdAddress(" Bot@Agents.Example.com ")).toBe("bot@agents.example.com");
    expect(userIdAddress("<bot@agents.example.com>")).toBe("bot@agents.example.com");
  });

  it.each([
    ['"x <bob@x.example>" <alice@x.example>', "a second < and >"],
    ["Alice <alice@x.example", "an unclosed bracket"],
    ["Alice alice@x.example>", "a > without <"],
    ["bob@x.example <alice@x.example>", "an @ outside the brackets"],
    ["<alice@x.example> trailing", "text after the brackets"],
    ["Alice <alice>", "no domain"],
    ["Alice", "no address"],
    ["", "nothing"],
    ["Alice <alice@x.example\r\nBcc: eve@x.example>", "a control character"],
  ])("names nobody in %j (%s)", (userId) => {
    expect(userIdAddress(userId)).toBeUndefined();
  });

  it("names nobody for a value that is not a string", () => {
    expect(userIdAddress(42 as unknown as string)).toBeUndefined();
  });
});
