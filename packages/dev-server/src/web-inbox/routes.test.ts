import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { createDevApp } from "../app.js";
import type { DevServer } from "../server.js";
import { DevStore } from "../store.js";
import { expectProblem, rawRequest, useServers } from "../testing/helpers.js";
import { isLoopbackHost, webInboxBasePath, webInboxToken, webInboxUrl } from "./auth.js";
import { MAX_EVENT_STREAMS } from "./routes.js";

const serve = useServers();
const AGENTS = [
  { agentId: "my-agent", token: "token-my-agent-1234" },
  { agentId: "other-agent", token: "token-other-agent-1234" },
];

/** Opens the inbox as a browser would: the printed URL, then the cookie it set. */
async function login(server: DevServer): Promise<string> {
  const response = await fetch(webInboxUrl(server), { redirect: "manual" });
  expect(response.status).toBe(303);
  expect(response.headers.get("location")).toBe(webInboxBasePath(server.store));
  const [cleared, cookie = ""] = response.headers.getSetCookie();
  // The cookie an earlier version kept on `/` (sent to every server on localhost) is dropped.
  expect(cleared).toMatch(/^agentmail_dev_inbox_\d+=; Max-Age=0; Path=\/$/);
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  // Scoped to the inbox's random path: browsers send a host's cookies to all its ports.
  expect(cookie).toContain(`Path=${webInboxBasePath(server.store)}`);
  return cookie.split(";")[0] ?? "";
}

/** The web inbox's base path on `server`, e.g. `/_inbox/Jx3v.../`. */
const inbox = (server: DevServer) => `${server.url}${webInboxBasePath(server.store)}`;

const RAW =
  "From: my-agent@agents.localhost\r\nTo: other-agent@agents.localhost\r\n" +
  'Subject: <script>alert("s")</script>\r\nX-AgentMail-Correlation-Id: corr-1\r\n' +
  "X-AgentMail-Attachments: not json\r\n" +
  "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
  '--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="a<b>.bin"\r\n' +
  "Content-Transfer-Encoding: base64\r\n\r\nQllURVM=\r\n--b--\r\n";

describe("web inbox routes", () => {
  it("answers only with the UI token: none or a wrong one is a 404, the right one becomes a cookie", async () => {
    const server = await serve({ agents: AGENTS });
    await expectProblem(await fetch(`${server.url}/`), 404, "not_found");
    await expectProblem(await fetch(`${server.url}/?token=amui_wrong`), 404, "not_found");
    await expectProblem(await fetch(`${inbox(server)}view`), 404, "not_found");
    const wrongCookie = { cookie: `agentmail_dev_inbox_${server.port}=amui_wrong` };
    await expectProblem(
      await fetch(`${inbox(server)}view`, { headers: wrongCookie }),
      404,
      "not_found",
    );
    // The token in the query opens the page itself only.
    const token = webInboxToken(server.store);
    await expectProblem(await fetch(`${inbox(server)}view?token=${token}`), 404, "not_found");
    await expectProblem(await fetch(`${inbox(server)}?token=${token}`), 404, "not_found");

    const cookie = await login(server);
    expect(cookie.startsWith(`agentmail_dev_inbox_${server.port}=`)).toBe(true);
    // The cookie opens the inbox under its path only: another base path is no route at all.
    await expectProblem(
      await fetch(`${server.url}/_inbox/AAAAAAAAAAAAAAAAAAAAAA/view`, { headers: { cookie } }),
      404,
      "not_found",
    );
    await expectProblem(await fetch(`${server.url}/`, { headers: { cookie } }), 404, "not_found");
    const page = await fetch(inbox(server), { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const csp = page.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1] ?? "";
    expect(nonce.length).toBeGreaterThanOrEqual(22);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe");
    // Every script and style carries the nonce; nothing is loaded from elsewhere.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(html).not.toMatch(/\s(src|href)="(https?:)?\/\//);
    // No agent's token or SES secret, nor the UI token itself.
    for (const agent of Object.values(server.agents)) {
      expect(html).not.toContain(agent.token);
      expect(html).not.toContain(agent.ses.secretAccessKey);
    }
    expect(html).not.toContain(token);
    expect(html).toContain("my-agent@agents.localhost");
  });

  it("refuses a Host that does not name this machine (DNS rebinding), even with the token", async () => {
    const server = await serve({ agents: AGENTS });
    const token = webInboxToken(server.store);
    const response = await rawRequest(
      server.url,
      `GET /?token=${token} HTTP/1.1\r\nHost: attacker.example:${server.port}\r\nConnection: close\r\n\r\n`,
    );
    await expectProblem(response, 403, "forbidden");
    const local = await rawRequest(
      server.url,
      `GET /?token=${token} HTTP/1.1\r\nHost: localhost:${server.port}\r\nConnection: close\r\n\r\n`,
    );
    expect(local.status).toBe(303);
  });

  const lanAddress = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry?.family === "IPv4" && !entry.internal)?.address;
  it.skipIf(lanAddress === undefined)(
    "refuses a client that is not on loopback, even with the token and a loopback Host",
    async () => {
      const server = await serve({ agents: AGENTS, host: "0.0.0.0" });
      const token = webInboxToken(server.store);
      const response = await rawRequest(
        `http://${lanAddress}:${server.port}`,
        `GET /?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`,
      );
      await expectProblem(response, 403, "forbidden");
    },
  );

  it("serves the raw MIME as inert text and attachments through a presigned download", async () => {
    const server = await serve({ agents: AGENTS });
    const message = server.store.deliver("other-agent", RAW);
    const cookie = await login(server);
    const raw = await fetch(`${inbox(server)}messages/${message.id}/raw`, {
      headers: { cookie },
    });
    expect(raw.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(raw.headers.get("x-content-type-options")).toBe("nosniff");
    expect(raw.headers.get("content-security-policy")).toContain("sandbox");
    expect(await raw.text()).toBe(RAW);

    const download = await fetch(`${inbox(server)}messages/${message.id}/attachments/0`, {
      headers: { cookie },
      redirect: "manual",
    });
    expect(download.status).toBe(303);
    const location = download.headers.get("location") ?? "";
    expect(location.startsWith(`${server.url}/_storage/objects/`)).toBe(true);
    const file = await fetch(location);
    expect(file.headers.get("content-disposition")).toMatch(/^attachment/);
    expect(await file.text()).toBe("BYTES");
    await expectProblem(
      await fetch(`${inbox(server)}messages/${message.id}/attachments/1`, {
        headers: { cookie },
      }),
      404,
      "not_found",
    );
    server.store.setAttachmentStatus(message.id, 0, "failed");
    await expectProblem(
      await fetch(`${inbox(server)}messages/${message.id}/attachments/0`, {
        headers: { cookie },
      }),
      422,
      "attachment_failed",
    );
  });

  it("renders mail as text: markup in a subject, file name or header is escaped", async () => {
    const server = await serve({ agents: AGENTS });
    server.store.deliver("other-agent", RAW);
    const cookie = await login(server);
    const view = await (await fetch(`${inbox(server)}view`, { headers: { cookie } })).text();
    expect(view).not.toContain("<script");
    expect(view).toContain("&lt;script&gt;alert(&quot;s&quot;)&lt;/script&gt;");
    expect(view).toContain("a&lt;b&gt;.bin");
    expect(view).toContain("corr-1");
    // A manifest that is not JSON is reported, not shown as rows.
    expect(view).toMatch(/class="manifest-error"/);
  });

  it("works in-process (app.request) with the same token", async () => {
    const store = new DevStore();
    const app = createDevApp(store);
    const first = await app.request(`/?token=${webInboxToken(store)}`, {
      headers: { host: "localhost" },
    });
    expect(first.status).toBe(303);
    const cookie = (first.headers.getSetCookie()[1] ?? "").split(";")[0] ?? "";
    expect(first.headers.get("location")).toBe(webInboxBasePath(store));
    const page = await app.request(webInboxBasePath(store), {
      headers: { host: "localhost", cookie },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("No agents");
  });

  it("counts loopback names and addresses as this machine, nothing else", () => {
    for (const host of ["127.0.0.1:8025", "127.1.2.3", "[::1]:80", "localhost:1", "a.localhost"]) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of [
      "attacker.example",
      "localhost.attacker.example",
      "10.0.0.1",
      "[::2]",
      "",
    ]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });

  it("keeps at most MAX_EVENT_STREAMS live pages open: one more is a 429 until one closes", async () => {
    const server = await serve({ agents: AGENTS });
    const cookie = await login(server);
    const open = async () => {
      const controller = new AbortController();
      const response = await fetch(`${inbox(server)}events`, {
        headers: { cookie },
        signal: controller.signal,
      });
      return { response, close: () => controller.abort() };
    };
    const streams = [];
    for (let i = 0; i < MAX_EVENT_STREAMS; i += 1) {
      const stream = await open();
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      streams.push(stream);
    }
    const refused = await open();
    expect(refused.response.headers.get("retry-after")).toBe("5");
    await expectProblem(refused.response, 429, "rate_limited");
    streams.pop()?.close();
    // The server notices the closed connection at its next write or wake-up (≤ 2 s poll).
    await expect
      .poll(
        async () => {
          const retry = await open();
          retry.close();
          return retry.response.status;
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe(200);
    for (const stream of streams) stream.close();
  });

  it("answers HEAD on the event stream without holding a slot (a link checker cannot lock pages out)", async () => {
    const server = await serve({ agents: AGENTS });
    const cookie = await login(server);
    for (let i = 0; i < MAX_EVENT_STREAMS + 4; i += 1) {
      const head = await fetch(`${inbox(server)}events`, { method: "HEAD", headers: { cookie } });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-type")).toMatch(/^text\/event-stream/);
    }
    const controller = new AbortController();
    const live = await fetch(`${inbox(server)}events`, {
      headers: { cookie },
      signal: controller.signal,
    });
    expect(live.status).toBe(200);
    controller.abort();
  });
});
