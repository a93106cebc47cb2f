import { generateKeyPair } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { describe, expect, it } from "vitest";
import { main } from "../demo.js";
import { DevAgents } from "../dev-platform.js";

async function runMain(options: Parameters<typeof main>[0] = {}) {
  const printed: string[] = [];
  const code = await main(options, (text) => printed.push(text));
  return { code, text: printed.join("\n") };
}

describe("pnpm demo", () => {
  it("runs the eight examples against the dev server, every check holds, exit code 0", async () => {
    const { code, text } = await runMain();

    expect(text).not.toContain("✗");
    expect(code).toBe(0);
    for (const file of [
      "01-plain-ses.ts",
      "02-encrypted-ses.ts",
      "03-require-encryption.ts",
      "04-api-send.ts",
      "05-html-headers.ts",
      "06-receive.ts",
      "07-webhook-receiver.ts",
      "08-marketplace.ts",
    ]) {
      expect(text).toContain(file);
    }
    // What went over which transport, and what the recipient saw.
    expect(text).toMatch(/went over\s+SES v1 SendRawEmail/);
    expect(text).toMatch(/went over\s+SES v1 SendEmail/);
    expect(text).toMatch(/went over\s+AgentMail POST \/send/);
    expect(text).toMatch(/attachment numbers.csv restored\s+numbers.csv \(text\/csv\), decrypted/);
    expect(text).toMatch(/signature \(verifyWith: directory\)\s+valid/);
    // Both refusals example 3 exists to produce.
    expect(text).toContain(`refused: ${DevAgents.keyless}@agents.localhost`);
    expect(text).toMatch(/error code\s+peer_missing_openpgp_public_key/);
    expect(text).toContain(`refused: ${DevAgents.revoked}@agents.localhost`);
    expect(text).toMatch(/error code\s+peer_key_revoked/);
    // Example 7: the delivery verified, the message it names decrypted.
    expect(text).toMatch(/✓ verifyWebhookSignature\s+1 of 1 POST\(s\) verified/);
    expect(text).toMatch(/✓ decrypted body\s+"Invoice 7 is approved: pay 1,250.00 EUR by Friday."/);
    // Example 8: reserved, then settled at the token price; the rows of the request on both sides.
    expect(text).toMatch(/✓ request: result.billing\s+reserved/);
    expect(text).toMatch(/✓ response: result.billing\s+settled, charge 0.01021/);
    expect(text).toMatch(
      /✓ buyer's usage rows \(this id\)\s+reservation 0.01, charge 0.01021, release 0/,
    );
    expect(text).toMatch(
      /✓ seller's usage rows \(this id\)\s+earning 0.01021, tokens 1200 in \/ 300 out/,
    );
    expect(text).toMatch(/PASS: 8 examples, \d+ checks held, 2 refusals as designed/);
  });

  it("reports what the recipient could not read, and exits 1, when its key changed under the sender", async () => {
    // other-agent rotates to a key whose private half the demo's reader does not hold: the
    // sends still work, but nothing encrypted can be read any more.
    const { code, text } = await runMain({
      beforeExamples: async ({ server }) => {
        const rotated = await generateKeyPair({
          // The user id names the agent registering it: the directory refuses any other.
          name: "rotated",
          email: "other-agent@agents.localhost",
        });
        await createDirectory({
          baseUrl: server.url,
          token: server.agents[DevAgents.recipient]?.token ?? "",
        }).register({
          publicKey: rotated.directoryPublicKeyPem,
          algorithm: rotated.algorithm,
          keyVersion: 2,
          ifMatchVersion: 1,
          openpgpPublicKey: rotated.publicKeyArmored,
        });
      },
    });

    expect(code).toBe(1);
    expect(text).toMatch(
      /✗ decrypted body\s+expected "Task 42: reconcile the Q3 ledger before Friday.", got nothing/,
    );
    expect(text).toMatch(
      /✗ attachment numbers.csv restored\s+expected "numbers.csv \(text\/csv\), decrypted"/,
    );
    expect(text).toMatch(/^FAIL: \d+ of \d+ checks deviated/m);
    // Clear-text examples are unaffected.
    expect(text).toMatch(/✓ text body\s+"All systems green."/);
  });

  it("reports an example that failed, and exits 1, when the recipient's key is revoked", async () => {
    const { code, text } = await runMain({
      beforeExamples: ({ server }) => {
        server.store.revoke(DevAgents.recipient);
      },
    });

    expect(code).toBe(1);
    expect(text).toMatch(
      /✗ ran to the end\s+peer_key_revoked: agent other-agent has revoked its key/,
    );
    expect(text).toMatch(/^FAIL:/m);
  });
});
