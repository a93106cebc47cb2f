import { randomBytes } from "node:crypto";
import { Routes } from "@assmbl/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { expectProblem, postJson, rawRequest, useServers } from "../testing/helpers.js";
import {
  MY_TOKEN,
  OTHER_TOKEN,
  PLATFORM_AGENTS,
  requestUpload,
  s3Code,
  upload,
  uploadForm,
} from "../testing/platform.js";

const serve = useServers();
afterEach(() => {
  vi.useRealTimers();
});

const UPLOAD_REQUEST = {
  file_name: "report.pdf",
  content_type: "application/pdf",
  max_bytes: 1024,
};

async function presigned() {
  const server = await serve({ agents: PLATFORM_AGENTS });
  const response = await requestUpload(server, MY_TOKEN, UPLOAD_REQUEST);
  return { server, ...response };
}

function postForm(url: string, form: FormData | string, contentType?: string) {
  return fetch(url, {
    method: "POST",
    body: form,
    ...(contentType === undefined ? {} : { headers: { "content-type": contentType } }),
  });
}

describe(`${Routes.requestUpload.method} ${Routes.requestUpload.path}`, () => {
  it("answers an S3-style presigned POST: the key under the agent's prefix, the fields in order, a signed policy", async () => {
    // A fixed clock: the policy's expiry and date fields are then exact, not a wall-clock range.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-02-03T04:05:06.789Z"));
    const { server, object_key, upload: form } = await presigned();
    expect(object_key).toMatch(/^uploads\/my-agent\/[0-9a-f-]{36}-report\.pdf$/);
    expect(form.url).toBe(`${server.url}/_storage/upload`);
    expect(Object.keys(form.fields)).toEqual([
      "key",
      "Content-Type",
      "policy",
      "x-amz-algorithm",
      "x-amz-credential",
      "x-amz-date",
      "x-amz-signature",
    ]);
    expect(form.fields.key).toBe(object_key);
    expect(form.fields["Content-Type"]).toBe("application/pdf");
    expect(form.fields["x-amz-algorithm"]).toBe("AWS4-HMAC-SHA256");
    expect(form.fields["x-amz-date"]).toBe("20310203T040506Z");
    expect(form.fields["x-amz-credential"]).toMatch(/^\w+\/20310203\/local\/s3\/aws4_request$/);
    expect(form.fields["x-amz-signature"]).toMatch(/^[0-9a-f]{64}$/);
    const policy = JSON.parse(Buffer.from(form.fields.policy ?? "", "base64").toString("utf8"));
    expect(policy).toEqual({
      expiration: "2031-02-03T04:20:06.789Z",
      conditions: [
        { key: object_key },
        { "Content-Type": "application/pdf" },
        ["content-length-range", 0, 1024],
      ],
    });
  });

  it.each([
    [{ ...UPLOAD_REQUEST, file_name: "a/b.pdf" }, "file_name"],
    [{ ...UPLOAD_REQUEST, file_name: "a\\b.pdf" }, "file_name"],
    [{ ...UPLOAD_REQUEST, file_name: "é".repeat(128) }, "file_name"],
    [{ ...UPLOAD_REQUEST, file_name: "a\r\nb" }, "file_name"],
    [{ ...UPLOAD_REQUEST, file_name: "" }, "file_name"],
    [{ ...UPLOAD_REQUEST, content_type: "not a type" }, "content_type"],
    [{ ...UPLOAD_REQUEST, max_bytes: 0 }, "max_bytes"],
    [{ ...UPLOAD_REQUEST, max_bytes: 1.5 }, "max_bytes"],
    [{ ...UPLOAD_REQUEST, bucket: "x" }, '"bucket"'],
  ])("refuses %j with 400 naming %s", async (body, field) => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const response = await postJson(server, Routes.requestUpload.path, body, { token: MY_TOKEN });
    expect(await expectProblem(response, 400, "invalid_request")).toContain(field);
  });

  it("accepts a file name of exactly 255 UTF-8 bytes", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const name = `${"é".repeat(126)}abc`;
    expect(Buffer.byteLength(name)).toBe(255);
    await requestUpload(server, MY_TOKEN, { ...UPLOAD_REQUEST, file_name: name });
  });

  it("needs a known token, and never repeats it", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const response = await postJson(server, Routes.requestUpload.path, UPLOAD_REQUEST, {
      token: "not-a-known-token",
    });
    const message = await expectProblem(response, 401, "unauthorized");
    expect(message).not.toContain("not-a-known-token");
  });
});

describe("POST <upload.url>", () => {
  it("stores the file under the key (204, empty body), byte for byte; uploading again replaces it", async () => {
    const { server, object_key, upload: form } = await presigned();
    const bytes = randomBytes(1024);
    const response = await postForm(form.url, uploadForm(form.fields, bytes));
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    const stored = server.store.objects.get(object_key);
    expect(stored).toMatchObject({ agentId: "my-agent", contentType: "application/pdf" });
    expect(Buffer.from(stored?.bytes ?? []).equals(bytes)).toBe(true);

    const again = await postForm(form.url, uploadForm(form.fields, bytes.subarray(0, 10)));
    expect(again.status).toBe(204);
    expect(server.store.objects.get(object_key)?.bytes.byteLength).toBe(10);
  });

  it("stores an empty file", async () => {
    const { server, object_key, upload: form } = await presigned();
    expect((await postForm(form.url, uploadForm(form.fields, new Uint8Array(0)))).status).toBe(204);
    expect(server.store.objects.get(object_key)?.bytes.byteLength).toBe(0);
  });

  it("ignores fields after the file, as S3 does", async () => {
    const { server, object_key, upload: form } = await presigned();
    const body = uploadForm(form.fields, new Uint8Array([1, 2, 3]));
    body.append("after", "ignored");
    expect((await postForm(form.url, body)).status).toBe(204);
    expect(server.store.objects.get(object_key)?.bytes).toEqual(new Uint8Array([1, 2, 3]));
  });

  const tampered: Array<
    [string, (fields: Record<string, string>, other: Record<string, string>) => void]
  > = [
    [
      "key (another key of the same agent)",
      (f, other) => {
        f.key = other.key ?? "";
      },
    ],
    [
      "key (another agent's prefix)",
      (f) => {
        f.key = (f.key ?? "").replace("my-agent", "other-agent");
      },
    ],
    [
      "Content-Type",
      (f) => {
        f["Content-Type"] = "text/html";
      },
    ],
    [
      "policy (re-encoded with a larger limit)",
      (f) => {
        const policy = JSON.parse(Buffer.from(f.policy ?? "", "base64").toString("utf8"));
        policy.conditions[2][2] = 10 ** 9;
        f.policy = Buffer.from(JSON.stringify(policy)).toString("base64");
      },
    ],
    [
      "policy (another upload's policy)",
      (f, other) => {
        f.policy = other.policy ?? "";
      },
    ],
    [
      "x-amz-algorithm",
      (f) => {
        f["x-amz-algorithm"] = "AWS4-HMAC-SHA1";
      },
    ],
    [
      "x-amz-credential",
      (f) => {
        f["x-amz-credential"] = (f["x-amz-credential"] ?? "").replace(
          "AGENTMAILDEV",
          "SOMEONEELSE",
        );
      },
    ],
    [
      "x-amz-date",
      (f) => {
        f["x-amz-date"] = "20200101T000000Z";
      },
    ],
    [
      "x-amz-signature",
      (f) => {
        const signature = f["x-amz-signature"] ?? "";
        f["x-amz-signature"] = signature.slice(0, -1) + (signature.endsWith("0") ? "1" : "0");
      },
    ],
    [
      "x-amz-signature (another upload's)",
      (f, other) => {
        f["x-amz-signature"] = other["x-amz-signature"] ?? "";
      },
    ],
    ...[
      "key",
      "Content-Type",
      "policy",
      "x-amz-algorithm",
      "x-amz-credential",
      "x-amz-date",
      "x-amz-signature",
    ].map(
      (name) =>
        [
          `${name} (missing)`,
          (f: Record<string, string>) => {
            delete f[name];
          },
        ] as [string, (f: Record<string, string>) => void],
    ),
    [
      "an extra field",
      (f) => {
        f.acl = "public-read";
      },
    ],
  ];

  it.each(tampered)(
    "refuses a changed %s with 403 AccessDenied and stores nothing",
    async (_, tamper) => {
      const { server, object_key, upload: form } = await presigned();
      const other = await requestUpload(server, MY_TOKEN, {
        ...UPLOAD_REQUEST,
        max_bytes: 10 ** 9,
      });
      const fields = { ...form.fields };
      tamper(fields, other.upload.fields);
      const response = await postForm(form.url, uploadForm(fields, new Uint8Array([1])));
      expect(response.status).toBe(403);
      expect(await s3Code(response)).toBe("AccessDenied");
      expect(server.store.objects.get(object_key)).toBeUndefined();
      expect(server.store.objects.get(other.object_key)).toBeUndefined();
    },
  );

  it("refuses an upload after the policy expired (15 minutes)", async () => {
    const { server, object_key, upload: form } = await presigned();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 15 * 60_000 + 1000);
    const response = await postForm(form.url, uploadForm(form.fields, new Uint8Array([1])));
    expect(response.status).toBe(403);
    const text = await response.text();
    expect(text).toContain("<Code>AccessDenied</Code>");
    expect(text).toContain("expired");
    expect(server.store.objects.get(object_key)).toBeUndefined();
  });

  it("refuses a file over max_bytes with 400 EntityTooLarge and keeps the earlier object", async () => {
    const { server, object_key, upload: form } = await presigned();
    expect((await postForm(form.url, uploadForm(form.fields, new Uint8Array(1024)))).status).toBe(
      204,
    );
    const response = await postForm(form.url, uploadForm(form.fields, new Uint8Array(1025)));
    expect(response.status).toBe(400);
    expect(await s3Code(response)).toBe("EntityTooLarge");
    expect(server.store.objects.get(object_key)?.bytes.byteLength).toBe(1024);
  });

  it("answers an oversize upload while it is still arriving: the body is read streaming, never whole", async () => {
    const { server, object_key, upload: form } = await presigned();
    const boundary = "streaming-boundary";
    const head =
      Object.entries(form.fields)
        .map(
          ([name, value]) =>
            `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
        )
        .join("") +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n`;
    const declared = 2 * 1024 ** 3; // announces 2 GiB, sends until the server answers
    const { host } = new URL(server.url);
    let written = 0;
    const response = await rawRequest(
      server.url,
      `POST /_storage/upload HTTP/1.1\r\nHost: ${host}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
        `Content-Length: ${declared}\r\n\r\n${head}`,
      {
        timeoutMs: 20_000,
        write: (socket) => {
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          const pump = () => {
            while (!socket.destroyed && written < 256 * 1024 * 1024) {
              written += chunk.length;
              if (!socket.write(chunk)) return void socket.once("drain", pump);
            }
          };
          socket.on("error", () => {});
          pump();
        },
      },
    );
    expect(response.status).toBe(400);
    expect(response.body).toContain("<Code>EntityTooLarge</Code>");
    expect(written).toBeLessThan(declared);
    expect(server.store.objects.get(object_key)).toBeUndefined();
  });

  it.each([
    [
      "a form without file",
      (fields: Record<string, string>) => {
        const form = new FormData();
        for (const [name, value] of Object.entries(fields)) form.append(name, value);
        return form;
      },
      400,
      "InvalidArgument",
    ],
    [
      "a field given twice",
      (fields: Record<string, string>) => {
        const form = new FormData();
        form.append("key", fields.key ?? "");
        for (const [name, value] of Object.entries(fields)) form.append(name, value);
        form.append("file", new Blob(["x"]));
        return form;
      },
      400,
      "InvalidArgument",
    ],
  ])("refuses %s with 400 %s", async (_, build, status, code) => {
    const { upload: form } = await presigned();
    const response = await postForm(form.url, build(form.fields));
    expect(response.status).toBe(status);
    expect(await s3Code(response)).toBe(code);
  });

  it("refuses a body that is not well-formed multipart with 400 MalformedPOSTRequest", async () => {
    const { upload: form } = await presigned();
    const response = await postForm(
      form.url,
      "--b\r\nno disposition\r\n\r\nx",
      "multipart/form-data; boundary=b",
    );
    expect(response.status).toBe(400);
    expect(await s3Code(response)).toBe("MalformedPOSTRequest");
  });

  it("refuses a body that is not multipart/form-data with 412, and other methods with 405", async () => {
    const { upload: form } = await presigned();
    const json = await postForm(form.url, "{}", "application/json");
    expect(json.status).toBe(412);
    expect(await s3Code(json)).toBe("PreconditionFailed");
    const put = await fetch(form.url, { method: "PUT", body: "x" });
    expect(put.status).toBe(405);
    expect(await s3Code(put)).toBe("MethodNotAllowed");
  });
});

describe(`${Routes.requestDownload.method} ${Routes.requestDownload.path} and the presigned GET`, () => {
  async function uploaded() {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const bytes = randomBytes(300);
    const key = await upload(server, MY_TOKEN, "résumé v2.pdf", "application/pdf", bytes);
    const response = await postJson(
      server,
      Routes.requestDownload.path,
      { object_key: key },
      { token: MY_TOKEN },
    );
    expect(response.status).toBe(200);
    const { url } = (await response.json()) as { url: string };
    return { server, key, bytes, url };
  }

  it("answers a URL whose GET serves the bytes with the uploaded Content-Type, as a download (nosniff, Content-Disposition: attachment with the file name)", async () => {
    const { server, url, bytes } = await uploaded();
    expect(url.startsWith(`${server.url}/_storage/objects/uploads/my-agent/`)).toBe(true);
    expect(url).toMatch(/\?expires=\d+&signature=[0-9a-f]{64}$/);
    for (const method of ["GET", "HEAD"]) {
      const response = await fetch(url, { method });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/pdf");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      // The name asked for at upload, not the key's `<uuid>-` prefixed last segment.
      expect(response.headers.get("content-disposition")).toBe(
        `attachment; filename="r_sum_ v2.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20v2.pdf`,
      );
      if (method === "GET") {
        expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
      }
    }
  });

  it.each([
    ["the signature", (url: URL) => url.searchParams.set("signature", "0".repeat(64))],
    [
      "the expiry",
      (url: URL) =>
        url.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600)),
    ],
    [
      "the key",
      (url: URL) => {
        url.pathname = url.pathname.replace("v2", "v3");
      },
    ],
    ["a missing signature", (url: URL) => url.searchParams.delete("signature")],
  ])("refuses a URL with a changed %s with 403 AccessDenied", async (_, tamper) => {
    const { url } = await uploaded();
    const changed = new URL(url);
    tamper(changed);
    const response = await fetch(changed);
    expect(response.status).toBe(403);
    expect(await s3Code(response)).toBe("AccessDenied");
  });

  it("refuses an expired URL with 403", async () => {
    const { url } = await uploaded();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 16 * 60_000);
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("expired");
  });

  it("is 404 not_found for another agent's object, an unknown one, or one granted but never uploaded", async () => {
    const { server, key } = await uploaded();
    const granted = await requestUpload(server, MY_TOKEN, UPLOAD_REQUEST);
    for (const [token, objectKey] of [
      [OTHER_TOKEN, key],
      [MY_TOKEN, "uploads/my-agent/nothing-here"],
      [MY_TOKEN, granted.object_key],
    ] as const) {
      const response = await postJson(
        server,
        Routes.requestDownload.path,
        { object_key: objectKey },
        { token },
      );
      await expectProblem(response, 404, "not_found");
    }
  });

  it("refuses unknown fields by name", async () => {
    const { server, key } = await uploaded();
    const response = await postJson(
      server,
      Routes.requestDownload.path,
      { object_key: key, expires: 1 },
      { token: MY_TOKEN },
    );
    expect(await expectProblem(response, 400, "invalid_request")).toContain('"expires"');
  });
});
