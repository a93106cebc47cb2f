// directory.register refuses a key the Python SDK (PGPy 0.6) cannot load, before anything is sent,
// against the dev server; the fix it names (repairKeyForPgpy) and the opt-out it names both work.
import {
  generateKeyPair,
  inspectPublicKey,
  type KeyPairBundle,
  repairKeyForPgpy,
} from "@assmbl/crypto";
import { type DevServer, startDevServer } from "@assmbl/dev-server";
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

async function serve() {
  const server = await startDevServer({ port: 0, agents: [{ agentId: "me" }] });
  servers.push(server);
  const directory = createDirectory({ baseUrl: server.url, token: server.agents.me?.token ?? "" });
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
    expect(message).toMatch(/Python SDK \(PGPy 0\.6\) cannot load this OpenPGP public key/);
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
    const { directory, registrations } = await serve();
    const repaired = await repairKeyForPgpy(EARLIER_PRIVATE_KEY);
    expect(repaired.repaired).toBe(true);
    expect(repaired.fingerprint).toBe((await inspectPublicKey(EARLIER_PUBLIC_KEY)).fingerprint);
    await directory.register(input(repaired.publicKeyArmored));
    expect(registrations()).toBe(1);
    const record = await directory.lookup("me");
    expect(record.openpgpPublicKey).toBe(repaired.publicKeyArmored);
  });

  it("the opt-out it names works: allowPgpyIncompatibleKey registers the key as it is", async () => {
    const { directory, registrations } = await serve();
    await directory.register(input(EARLIER_PUBLIC_KEY), { allowPgpyIncompatibleKey: true });
    expect(registrations()).toBe(1);
    expect((await directory.lookup("me")).openpgpPublicKey).toBe(EARLIER_PUBLIC_KEY);
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
