// Repeated headers and parameters as AWS reads them: Node keeps the first of two Authorization
// headers and joins other repeats with ", ", while SigV4 signs a repeated header's values joined
// with "," and AWS refuses a second Authorization header or a repeated parameter in it.
import { request } from "node:http";
import { signedHeaders } from "@assmbl/testing/ses";
import { describe, expect, it } from "vitest";
import { useServers } from "../testing/helpers.js";

const serve = useServers();
const BODY = "Action=GetSendQuota&Version=2010-12-01";

/** POSTs BODY with the headers exactly as listed (repeats kept): status and body. */
function post(url: string, headers: Array<[string, string]>): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    // Raw headers: Node then adds no Host of its own.
    const raw = [["host", new URL(url).host], ...headers].flat();
    const req = request(url, { method: "POST", headers: raw }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve([response.statusCode ?? 0, Buffer.concat(chunks).toString("utf8")]),
      );
    });
    req.on("error", reject);
    req.end(BODY);
  });
}

async function signed(extra: Record<string, string> = {}) {
  const server = await serve({ agents: [{ agentId: "alice" }] });
  const credentials = server.agents.alice?.ses ?? { accessKeyId: "", secretAccessKey: "" };
  const url = `${server.url}/`;
  const headers = signedHeaders(url, {
    body: BODY,
    credentials,
    headers: { "content-type": "application/x-www-form-urlencoded", ...extra },
  });
  return { url, headers };
}

describe("SigV4 with repeated headers and parameters", () => {
  it("a signed header sent twice is signed as its values joined with ',': 200", async () => {
    const { url, headers } = await signed({ "x-amz-meta": "1,2" });
    const { "x-amz-meta": _joined, ...rest } = headers;
    const sent: Array<[string, string]> = [
      ...Object.entries(rest),
      ["x-amz-meta", "1"],
      ["x-amz-meta", " 2 "],
    ];
    expect((await post(url, sent))[0]).toBe(200);
  });

  it("a second Authorization header is 400 IncompleteSignature", async () => {
    const { url, headers } = await signed();
    const { authorization = "", ...rest } = headers;
    const second = authorization.replace(/Signature=\w+/, `Signature=${"0".repeat(64)}`);
    const [status, body] = await post(url, [
      ...Object.entries(rest),
      ["authorization", authorization],
      ["authorization", second],
    ]);
    expect([status, body]).toEqual([400, expect.stringContaining("IncompleteSignature")]);
    // The control: the same request with one Authorization header.
    expect((await post(url, Object.entries(headers)))[0]).toBe(200);
  });

  it.each(["Signature", "Credential", "SignedHeaders"])(
    "a repeated %s parameter is 400 IncompleteSignature",
    async (name) => {
      const { url, headers } = await signed();
      const authorization = headers.authorization ?? "";
      const value = new RegExp(`${name}=([^,]+)`).exec(authorization)?.[1] ?? "";
      const decoy = name === "Signature" ? "0".repeat(64) : value;
      const doubled = authorization.replace(
        `${name}=${value}`,
        `${name}=${decoy}, ${name}=${value}`,
      );
      const [status, body] = await post(
        url,
        Object.entries({ ...headers, authorization: doubled }),
      );
      expect([status, body]).toEqual([400, expect.stringContaining("more than once")]);
    },
  );
});
