import { fileURLToPath } from "node:url";
import { runReadmeSnippet } from "@assmbl/testing/readme";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type SesLocal, startSesLocal } from "./testing/ses-local.js";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The snippet takes credentials and endpoint from the AWS environment, as users run it; here
// that environment points the SDK at a loopback emulator with dummy credentials.
const ENV = ["AWS_ENDPOINT_URL_SES", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;
const saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));
let ses: SesLocal;

beforeAll(async () => {
  ses = await startSesLocal();
  process.env.AWS_ENDPOINT_URL_SES = ses.endpoint;
  process.env.AWS_ACCESS_KEY_ID = "test";
  process.env.AWS_SECRET_ACCESS_KEY = "test";
});
afterAll(async () => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await ses?.stop();
});

// The README opens with a snippet users copy; it must run as printed.
it("the README's opening snippet runs and prints what its comments say", async () => {
  // This package from its source; @assmbl/core and the AWS SDK as installed.
  const logged = await runReadmeSnippet(source("../README.md"), { self: source("./index.ts") });
  expect(logged).toHaveLength(2);
  expect(logged[0]).toEqual(["ses", true]);
  expect(logged[1]?.[0]).toMatch(/^<[0-9a-f-]{36}@agents\.example\.com>$/);
  expect(logged[1]?.[1]).toBe(true);
  const [email] = await ses.emails();
  expect(email).toMatchObject({
    subject: "Task 42",
    destination: { to: ["other-agent@agents.example.com"] },
  });
});
