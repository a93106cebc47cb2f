// An encrypted send looks its recipient up first: a directory that answers without end, with
// 2 GiB, or a trickle fails the send with its typed error, and the platform gets no request.
import { AgentMailError, createMailer } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import {
  type HostileServer,
  type Hostility,
  rssGrowthDuring,
  startHostileServer,
} from "@assmbl/testing/hostile-server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ScriptedServer, scriptedServer } from "./testing/scripted-server.js";
import { apiTransport } from "./transport.js";

const MiB = 1024 * 1024;
let directoryServer: HostileServer;
let platform: ScriptedServer;
beforeEach(async () => {
  directoryServer = await startHostileServer();
  platform = await scriptedServer([{ status: 500, body: "{}" }]);
});
afterEach(async () => {
  await directoryServer.stop();
  await platform.stop();
});

describe("a hostile directory on the send path", () => {
  it.each([
    ["an endless body", { kind: "endless" }, "response_too_large"],
    [
      "a 2 GiB body",
      { kind: "huge", bytes: 2048 * MiB, declareLength: false },
      "response_too_large",
    ],
    ["a trickling body", { kind: "trickle", everyMs: 50 }, "directory_unavailable"],
  ] as const)(
    "%s: the send fails with its code, nothing reaches the platform",
    async (_what, how, code) => {
      directoryServer.serve(how as Hostility);
      const mailer = createMailer(apiTransport({ baseUrl: platform.url, token: "am_sender" }), {
        from: "report-bot@agents.example.com",
        mailDomain: "agents.example.com",
        directory: createDirectory({
          baseUrl: directoryServer.url,
          timeoutMs: 500,
          retry: { limit: 0 },
        }),
        crypto: openpgpCrypto(),
      });
      const { error, growthBytes } = await rssGrowthDuring(() =>
        mailer.send({
          to: "other-agent@agents.example.com",
          subject: "s",
          text: "secret",
          encrypt: { body: true },
        }),
      );
      expect(AgentMailError.is(error) && error.code).toBe(code);
      expect(platform.requests).toHaveLength(0);
      expect(growthBytes).toBeLessThan(128 * MiB);
    },
  );
});
