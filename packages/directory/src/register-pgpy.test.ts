// directory.register refuses a key the Python SDK (PGPy 0.6) cannot load, before anything is sent,
// against the dev server; the fix it names (repairKeyForPgpy) and the opt-out it names both work.
import {
  generateKeyPair,
  inspectPublicKey,
  type KeyPairBundle,
  repairKeyForPgpy,
} from "@assmbl/crypto";
import { type DevServer, startDevServer } from "@assmbl/dev-server";
import { readPgpyKeyFile } from "@assmbl/testing/pgpy-key-files";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDirectory } from "./directory.js";

// A key as this SDK's generateKeyPair made it before it rebuilt self-signatures (openpgp.js 6.3
// defaults: SHA3-512 and SHA3-256 in the hash preferences, which PGPy 0.6 cannot parse). Unprotected.
const EARLIER_PRIVATE_KEY = `-----BEGIN PGP PRIVATE KEY BLOCK-----

xVgEawxggxYJKwYBBAHaRw8BAQdABs/MQzw1x3EuziOJpSRqUST9jehqTWVS
NhU4GNMma7QAAP9Ew4yJ6k2ygexb0lwBl0B19XaRzcWIrYoDohI93tXPpRKv
zSNFYXJsaWVyIEFnZW50IDxlYXJsaWVyQGFnZW50cy50ZXN0PsLAEwQTFgoA
hQWCawxggwMLCQcJECMaeMWeyuqGRRQAAAAAABwAIHNhbHRAbm90YXRpb25z
Lm9wZW5wZ3Bqcy5vcmdYVHkGjLrkfH3dvrFLz2KMYExUdQjB0Z+ShK5QvfMv
VwUVCggODAQWAAIBAhkBApsDAh4BFiEENvV2qoAiNlw+6iNUIxp4xZ7K6oYA
ABK7AP9V0UPG9wFDr/JxdpRWH3IOvd4qFcJo16aIOwIHw5o8igD/aQHaKxNV
iC+n0ltO+NBkq814XLQd4wXoS1x783ftDQbHXQRrDGCDEgorBgEEAZdVAQUB
AQdA9IeVesSZOs4zEg3Sy9i7NxvnQH/57qmBaPzbXfoQKQYDAQgHAAD/Wq1K
zXsfWNGD2H6YGXNdEatYGpPZ1qyklUY8Fodlc+AQZsK+BBgWCgBwBYJrDGCD
CRAjGnjFnsrqhkUUAAAAAAAcACBzYWx0QG5vdGF0aW9ucy5vcGVucGdwanMu
b3JnvAzO1yk2dbKmEWe0QuRiprCr1XFr9JoeizHY52AyiPsCmwwWIQQ29Xaq
gCI2XD7qI1QjGnjFnsrqhgAAmlcA/RuI9RiJJS3Z2J2pkoHFfmNNUGtC4sRR
Dd+hoWQ+G81NAQCiIBWwQwLqtwaZMbVwYAYd5OBz3vIkYloKEqdwt4adAA==
=1OoG
-----END PGP PRIVATE KEY BLOCK-----
`;
const EARLIER_PUBLIC_KEY = `-----BEGIN PGP PUBLIC KEY BLOCK-----

xjMEawxggxYJKwYBBAHaRw8BAQdABs/MQzw1x3EuziOJpSRqUST9jehqTWVS
NhU4GNMma7TNI0VhcmxpZXIgQWdlbnQgPGVhcmxpZXJAYWdlbnRzLnRlc3Q+
wsATBBMWCgCFBYJrDGCDAwsJBwkQIxp4xZ7K6oZFFAAAAAAAHAAgc2FsdEBu
b3RhdGlvbnMub3BlbnBncGpzLm9yZ1hUeQaMuuR8fd2+sUvPYoxgTFR1CMHR
n5KErlC98y9XBRUKCA4MBBYAAgECGQECmwMCHgEWIQQ29XaqgCI2XD7qI1Qj
GnjFnsrqhgAAErsA/1XRQ8b3AUOv8nF2lFYfcg693ioVwmjXpog7AgfDmjyK
AP9pAdorE1WIL6fSW0740GSrzXhctB3jBehLXHvzd+0NBs44BGsMYIMSCisG
AQQBl1UBBQEBB0D0h5V6xJk6zjMSDdLL2Ls3G+dAf/nuqYFo/Ntd+hApBgMB
CAfCvgQYFgoAcAWCawxggwkQIxp4xZ7K6oZFFAAAAAAAHAAgc2FsdEBub3Rh
dGlvbnMub3BlbnBncGpzLm9yZ7wMztcpNnWyphFntELkYqawq9Vxa/SaHosx
2OdgMoj7ApsMFiEENvV2qoAiNlw+6iNUIxp4xZ7K6oYAAJpXAP0biPUYiSUt
2didqZKBxX5jTVBrQuLEUQ3foaFkPhvNTQEAoiAVsEMC6rcGmTG1cGAGHeTg
c97yJGJaChKncLeGnQA=
=EvLE
-----END PGP PUBLIC KEY BLOCK-----
`;

let keys: KeyPairBundle;
const servers: DevServer[] = [];

beforeAll(async () => {
  keys = await generateKeyPair({ name: "Me", email: "me@agents.localhost" });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

// The dev server takes an OpenPGP key only from the agent its user id names: the PGPy-era key's
// user id is earlier@agents.test, so the tests that register it run as that agent.
async function serve(agentId = "me", mailDomain?: string) {
  const server = await startDevServer({
    port: 0,
    agents: [{ agentId }],
    ...(mailDomain === undefined ? {} : { mailDomain }),
  });
  servers.push(server);
  const directory = createDirectory({
    baseUrl: server.url,
    token: server.agents[agentId]?.token ?? "",
  });
  const registrations = () =>
    server.requests.count({ method: "POST", path: "/directory/register" });
  return { server, directory, registrations };
}

const input = (openpgpPublicKey: string | null) => ({
  publicKey: keys.directoryPublicKeyPem,
  algorithm: keys.algorithm,
  keyVersion: 1,
  ifMatchVersion: null,
  openpgpPublicKey,
});

describe("register and the Python SDK", () => {
  it("refuses a key PGPy cannot load with pgpy_incompatible_key, naming the problem, the fix and the opt-out; sends nothing", async () => {
    const { directory, registrations, server } = await serve();
    const error = await directory.register(input(EARLIER_PUBLIC_KEY)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "pgpy_incompatible_key", status: 400, retryable: false });
    const { message, body } = error as { message: string; body: { problems: string[] } };
    expect(message).toMatch(/Python SDK \(PGPy 0\.6\) cannot use this OpenPGP public key/);
    expect(message).toContain("14 (SHA3-512), 12 (SHA3-256)");
    expect(message).toContain(
      "repairKeyForPgpy(privateKeyArmored, { passphrase }) from @assmbl/crypto",
    );
    expect(message).toContain("allowPgpyIncompatibleKey: true");
    expect(body.problems).toEqual([expect.stringMatching(/SHA3-512/)]);
    expect(registrations()).toBe(0);
    expect(server.requests.count()).toBe(0);
  });

  it("the fix it names works: the repaired key registers, with the same fingerprint", async () => {
    const { directory, registrations } = await serve("earlier", "agents.test");
    const repaired = await repairKeyForPgpy(EARLIER_PRIVATE_KEY);
    expect(repaired.repaired).toBe(true);
    expect(repaired.fingerprint).toBe((await inspectPublicKey(EARLIER_PUBLIC_KEY)).fingerprint);
    await directory.register(input(repaired.publicKeyArmored));
    expect(registrations()).toBe(1);
    const record = await directory.lookup("earlier");
    expect(record.openpgpPublicKey).toBe(repaired.publicKeyArmored);
  });

  it("the opt-out it names works: allowPgpyIncompatibleKey registers the key as it is", async () => {
    const { directory, registrations } = await serve("earlier", "agents.test");
    await directory.register(input(EARLIER_PUBLIC_KEY), { allowPgpyIncompatibleKey: true });
    expect(registrations()).toBe(1);
    expect((await directory.lookup("earlier")).openpgpPublicKey).toBe(EARLIER_PUBLIC_KEY);
  });

  it("a key from generateKeyPair registers without any option; openpgpPublicKey null is not checked", async () => {
    const first = await serve();
    await first.directory.register(input(keys.publicKeyArmored));
    expect(first.registrations()).toBe(1);
    const second = await serve();
    await second.directory.register(input(null));
    expect(second.registrations()).toBe(1);
  });

  it("refuses unknown register options by name, before any request", async () => {
    const { directory, server } = await serve();
    const error = await directory
      .register(input(EARLIER_PUBLIC_KEY), { allowIncompatibleKey: true } as never)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "invalid_options" });
    expect((error as Error).message).toContain('"allowIncompatibleKey"');
    expect(server.requests.count()).toBe(0);
  });
});

describe("register never sends a private key", () => {
  const secretCases = () => [
    ["a private key block", keys.privateKeyArmored],
    [
      "secret-key packets under a PUBLIC KEY BLOCK label",
      keys.privateKeyArmored.replaceAll("PRIVATE KEY BLOCK", "PUBLIC KEY BLOCK"),
    ],
    [
      "a public key followed by the private key",
      `${keys.publicKeyArmored}\n${keys.privateKeyArmored}`,
    ],
  ];

  it("refuses each with invalid_public_key before any request, even with allowPgpyIncompatibleKey, never quoting it", async () => {
    const { directory, server } = await serve();
    const secretLine = keys.privateKeyArmored.split("\n")[2] as string;
    for (const [label, text] of secretCases()) {
      for (const options of [undefined, { allowPgpyIncompatibleKey: true }]) {
        const error = await directory
          .register(input(text as string), options)
          .catch((e: unknown) => e);
        expect(error, `${label} ${JSON.stringify(options)}`).toMatchObject({
          code: "invalid_public_key",
          status: 400,
          retryable: false,
        });
        const { message, body } = error as { message: string; body: unknown };
        expect(message).toMatch(
          /^register: openpgpPublicKey must be an armored OpenPGP public key, and it /,
        );
        expect(message).toContain("Nothing was sent.");
        for (const shown of [
          message,
          String(error),
          JSON.stringify(error),
          JSON.stringify(body ?? null),
        ]) {
          expect(shown).not.toContain(secretLine.slice(0, 16));
        }
      }
    }
    expect(server.requests.count()).toBe(0);
  });

  it("a recording fetch sees no request either", async () => {
    const seen: string[] = [];
    const directory = createDirectory({
      baseUrl: "https://directory.invalid",
      token: "t",
      fetch: async (request: RequestInfo | URL) => {
        seen.push(String(request instanceof Request ? request.url : request));
        return new Response("{}", { status: 500 });
      },
    });
    for (const [, text] of secretCases()) {
      await expect(directory.register(input(text as string))).rejects.toMatchObject({
        code: "invalid_public_key",
      });
    }
    expect(seen).toEqual([]);
  });
});

describe("register refuses a key PGPy would encrypt to though it is revoked or expired", () => {
  // Key files of a review against PGPy 0.6 (packages/testing/src/pgpy-keys/): PGPy loads and
  // verifies both, and encrypts to the revoked key, or to the expired subkey.
  const keyFile = (file: string) => readPgpyKeyFile(file);

  it.each([
    ["gpg-revoked.pub.asc", "the key is revoked, and PGPy does not check revocations"],
    ["expired-encryption-subkey.pub.asc", "yet it is the subkey PGPy encrypts to"],
  ])("%s → pgpy_incompatible_key, before any request", async (file, named) => {
    const { directory, server } = await serve();
    const error = await directory.register(input(keyFile(file))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "pgpy_incompatible_key" });
    expect((error as Error).message).toContain(named);
    expect(server.requests.count()).toBe(0);
  });
});
