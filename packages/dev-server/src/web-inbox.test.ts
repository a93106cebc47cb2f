// The web inbox in a real browser (Debian's chromium, driven by playwright-core): mail sent
// through both transports appears without a reload, with the right badges, and nothing a sender
// wrote runs as markup or script.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { encodeManifest } from "@assmbl/core";
import { armoredCiphertext } from "@assmbl/testing/agent-keys";
import { useSesClients } from "@assmbl/testing/ses";
import { SendRawEmailCommand } from "@aws-sdk/client-ses";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useServers } from "./testing/helpers.js";
import { send } from "./testing/platform.js";
import { webInboxBasePath, webInboxUrl } from "./web-inbox/auth.js";

const serve = useServers();
const clients = useSesClients();

// Chromium is slow to start and to render on a loaded 2-core machine: a guard against hangs only.
const BROWSER_MS = 120_000;

const AGENTS = [
  { agentId: "my-agent", token: "token-my-agent-web" },
  { agentId: "other-agent", token: "token-other-agent-web" },
];

const XSS_SUBJECT = `<img src=x onerror="alert('subject')"><script>alert("s")</script>`;
const XSS_FILE = "<svg onload=alert(1)>report.pdf.asc";
const XSS_HEADER = "</td><script>alert('header')</script><b>bold</b>";

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    // Chromium's own sandbox cannot start as root (CI containers); the page is ours anyway.
    chromiumSandbox: process.getuid?.() !== 0,
  });
}, BROWSER_MS);
afterAll(async () => {
  await browser?.close();
});

/** The encrypted message of the SES send: armored body, one encrypted attachment, manifest. */
function encryptedMime(attachment: string): string {
  const manifest = encodeManifest([
    {
      index: 0,
      filename: XSS_FILE,
      content_type: "application/pgp-encrypted",
      size: Buffer.byteLength(attachment),
      encrypted: true,
      encryption: { algorithm: "openpgp", format: "armored" },
      original_filename: "report.pdf",
      original_content_type: "application/pdf",
    },
  ]);
  return [
    "From: my-agent@agents.localhost",
    "To: other-agent@agents.localhost",
    "Subject: Encrypted task",
    "Message-ID: <web-inbox-enc@agents.localhost>",
    "MIME-Version: 1.0",
    "X-AgentMail-Encrypted: body",
    `X-AgentMail-Attachments: ${manifest}`,
    "X-AgentMail-Correlation-Id: corr-web-enc",
    "X-AgentMail-Idempotency-Key: idem-web-enc",
    'Content-Type: multipart/mixed; boundary="sep"',
    "",
    "--sep",
    "Content-Type: text/plain; charset=utf-8",
    "",
    armoredCiphertext().trim(),
    "--sep",
    `Content-Type: application/pgp-encrypted; name="${XSS_FILE}"`,
    `Content-Disposition: attachment; filename="${XSS_FILE}"`,
    "",
    attachment.trim(),
    "--sep--",
    "",
  ].join("\r\n");
}

interface Shown {
  subject: string;
  badges: string[];
}

/** The messages the page shows for an agent, top to bottom. */
function shownMessages(page: Page, agentId: string): Promise<Shown[]> {
  return page.$$eval(`[data-agent="${agentId}"] li.message`, (items) =>
    items.map((item) => ({
      subject: item.querySelector(".subject")?.textContent ?? "",
      badges: [...item.querySelectorAll(".badges .badge")].map((b) => b.textContent?.trim() ?? ""),
    })),
  );
}

function waitForCount(page: Page, agentId: string, count: number): Promise<unknown> {
  return page.waitForFunction(
    ([id, n]) => document.querySelectorAll(`[data-agent="${id}"] li.message`).length === n,
    [agentId, count] as const,
    { timeout: BROWSER_MS },
  );
}

describe("web inbox in Chromium", () => {
  it(
    "shows mail from /send and the SES endpoint as it arrives, with badges, manifest and correlation; sender markup stays text",
    async () => {
      const server = await serve({ agents: AGENTS });
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      const violations: string[] = [];
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      try {
        await page.goto(webInboxUrl(server));
        // The token left the address bar: the cookie carries it now.
        expect(new URL(page.url()).search).toBe("");
        expect(new URL(page.url()).pathname).toBe(webInboxBasePath(server.store));
        await page.waitForFunction(() => document.getElementById("live")?.textContent === "live", {
          timeout: BROWSER_MS,
        });
        // Marks this document: a reload would lose it.
        await page.evaluate(() => {
          (window as unknown as { marker: number }).marker = 42;
        });
        expect(await shownMessages(page, "other-agent")).toEqual([]);

        const attachment = armoredCiphertext(120);
        const { v1 } = clients(server, "my-agent");
        await v1.send(
          new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(encryptedMime(attachment)) } }),
        );
        await waitForCount(page, "other-agent", 1);

        const response = await send(server, "token-my-agent-web", {
          to: "other-agent@agents.localhost",
          subject: XSS_SUBJECT,
          body: "hello in clear",
          headers: { "X-Probe": XSS_HEADER },
          correlation_id: "corr-web-plain",
        });
        expect(response.status).toBe(200);
        await waitForCount(page, "other-agent", 2);

        expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(
          42,
        );
        const [plain, encrypted] = await shownMessages(page, "other-agent");
        // Newest first; the subject is the sender's text, character for character.
        expect(plain?.subject).toBe(XSS_SUBJECT);
        expect(plain?.badges).toEqual(expect.arrayContaining(["via api", "plain"]));
        expect(plain?.badges).not.toContain("encrypted");
        expect(encrypted?.subject).toBe("Encrypted task");
        expect(encrypted?.badges).toEqual(
          expect.arrayContaining(["via ses", "encrypted", "1 attachment"]),
        );
        expect(encrypted?.badges).not.toContain("plain");

        // Open both, then read the decoded fields.
        for (const summary of await page.locator('[data-agent="other-agent"] summary').all()) {
          await summary.click();
        }
        const enc = page.locator('[data-agent="other-agent"] li.message').nth(1);
        expect(await enc.locator(".correlation").textContent()).toBe("corr-web-enc");
        expect(await enc.locator(".idempotency").textContent()).toBe("idem-web-enc");
        expect(await enc.locator(".encrypted-flag").textContent()).toMatch(/^yes/);
        expect(await enc.locator("table.manifest td.filename").textContent()).toBe(XSS_FILE);
        expect(
          await enc.locator("table.manifest tr").nth(1).locator("td").allTextContents(),
        ).toEqual([
          "0",
          XSS_FILE,
          "application/pgp-encrypted",
          String(Buffer.byteLength(attachment)),
          "yes",
          '{"algorithm":"openpgp","format":"armored"}',
          "report.pdf",
          "application/pdf",
          "",
        ]);
        expect(await enc.locator("table.attachments td.filename").textContent()).toBe(XSS_FILE);
        expect(await enc.locator("table.attachments .status-ready").textContent()).toBe("ready");
        // The body is shown as stored: ciphertext.
        expect(await enc.locator("pre.body").textContent()).toMatch(/^-----BEGIN PGP MESSAGE-----/);
        const href = (await enc.locator("a.download").getAttribute("href")) ?? "";
        const downloaded = await page.evaluate(async (url) => (await fetch(url)).text(), href);
        expect(downloaded.trim()).toBe(attachment.trim());

        const clear = page.locator('[data-agent="other-agent"] li.message').nth(0);
        expect(await clear.locator(".correlation").textContent()).toBe("corr-web-plain");
        const probe = clear.locator("table.headers tr", { hasText: "X-Probe" }).locator("td");
        expect(await probe.textContent()).toBe(XSS_HEADER);
        expect(await clear.locator("pre.raw").textContent()).toContain(`X-Probe: ${XSS_HEADER}`);

        // Nothing the senders wrote became an element or ran.
        expect(
          await page.evaluate(
            () => document.querySelectorAll("#view img, #view svg, #view script, #view b").length,
          ),
        ).toBe(0);
        expect(dialogs).toEqual([]);
        expect(violations).toEqual([]);
      } finally {
        await page.close();
      }
    },
    BROWSER_MS * 2,
  );

  it(
    "keeps the UI cookie to this server's inbox path: other servers on localhost never see it",
    async () => {
      const server = await serve({ agents: AGENTS });
      // Another local server (any port: browsers keep cookies per host, not per port).
      const seen: string[] = [];
      const other = createServer((request, response) => {
        seen.push(`${request.url} cookie=${request.headers.cookie ?? ""}`);
        response.end("other server");
      });
      await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
      const otherPort = (other.address() as AddressInfo).port;
      const page = await browser.newPage();
      try {
        await page.goto(webInboxUrl(server));
        await page.waitForFunction(() => document.getElementById("live")?.textContent === "live", {
          timeout: BROWSER_MS,
        });
        const cookies = await page.context().cookies();
        expect(cookies.map(({ path }) => path)).toEqual([webInboxBasePath(server.store)]);
        for (const url of [
          `http://127.0.0.1:${otherPort}/`,
          `http://127.0.0.1:${otherPort}/_inbox/`,
          `http://localhost:${otherPort}/anything`,
        ]) {
          await page.goto(url);
        }
        // Every request it got (the pages, and the browser's own favicon fetches) came without it.
        expect(seen.map((line) => line.split(" ")[0])).toEqual(
          expect.arrayContaining(["/", "/_inbox/", "/anything"]),
        );
        for (const line of seen) expect(line).toMatch(/ cookie=$/);
        // This server's root without the token is not the inbox, cookie or not.
        const root = await page.goto(`${server.url}/`);
        expect(root?.status()).toBe(404);
        // The inbox itself still opens from the cookie, without the token.
        const inbox = await page.goto(`${server.url}${webInboxBasePath(server.store)}`);
        expect(inbox?.status()).toBe(200);
      } finally {
        await page.close();
        await new Promise((resolve) => other.close(resolve));
      }
    },
    BROWSER_MS * 2,
  );
});
