// Test helpers for the platform routes: authenticated calls, uploads, and reading MIME back.

import { Routes, routePath, UploadResponseSchema } from "@assmbl/core";
import { runPython } from "@assmbl/testing/python";
import { expect } from "vitest";
import type { DevServer } from "../server.js";
import { postJson } from "./helpers.js";

/** The agents most platform tests use. */
export const PLATFORM_AGENTS = [
  { agentId: "my-agent", token: "token-my-agent" },
  { agentId: "other-agent", token: "token-other-agent" },
  { agentId: "third-agent", token: "token-third-agent" },
];

export const MY_TOKEN = "token-my-agent";
export const OTHER_TOKEN = "token-other-agent";

/** A GET (or another bodiless method) with a bearer token. */
export function call(
  server: DevServer,
  path: string,
  token: string,
  method = "GET",
): Promise<Response> {
  return fetch(server.url + path, { method, headers: { authorization: `Bearer ${token}` } });
}

/** The upload form S3 expects: every presigned field in order, then `file`. */
export function uploadForm(
  fields: Record<string, string>,
  bytes: Uint8Array,
  fileName = "file.bin",
): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append("file", new Blob([Buffer.from(bytes)]), fileName);
  return form;
}

/** Asks for a presigned upload; returns the response body. */
export async function requestUpload(
  server: DevServer,
  token: string,
  request: { file_name: string; content_type: string; max_bytes: number },
) {
  const response = await postJson(server, Routes.requestUpload.path, request, { token });
  expect(response.status).toBe(200);
  return UploadResponseSchema.parse(await response.json());
}

/** Presigns and uploads `bytes`; returns the object key. */
export async function upload(
  server: DevServer,
  token: string,
  fileName: string,
  contentType: string,
  bytes: Uint8Array,
): Promise<string> {
  const { object_key, upload: presigned } = await requestUpload(server, token, {
    file_name: fileName,
    content_type: contentType,
    max_bytes: Math.max(1, bytes.byteLength),
  });
  const response = await fetch(presigned.url, {
    method: "POST",
    body: uploadForm(presigned.fields, bytes, fileName),
  });
  expect(response.status).toBe(204);
  return object_key;
}

/** `POST /send` as `token`. */
export function send(
  server: DevServer,
  token: string,
  body: Record<string, unknown>,
): Promise<Response> {
  return postJson(server, Routes.send.path, body, { token });
}

/** The S3 error code of an XML error body. */
export async function s3Code(response: Response): Promise<string | undefined> {
  expect(response.headers.get("content-type")).toMatch(/xml/);
  const text = await response.text();
  return /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
}

/** A message path for `id`. */
export function messagePath(id: string): string {
  return routePath(Routes.getMessage, { id });
}

/** One attachment as Python's `email` package reads it. */
export interface PythonAttachment {
  filename: string | null;
  contentType: string;
  bytes: Buffer;
}

const PYTHON_ATTACHMENTS = `
import base64, email, email.policy, json, sys
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
print(json.dumps([
    {"filename": part.get_filename(), "contentType": part.get_content_type(),
     "bytes": base64.b64encode(part.get_payload(decode=True)).decode()}
    for part in msg.iter_attachments()]))
`;

/** The attachments of raw MIME, read by Python's `email` package (an independent parser). */
export async function pythonAttachments(raw: Uint8Array): Promise<PythonAttachment[]> {
  const out = await runPython(PYTHON_ATTACHMENTS, raw);
  return (
    JSON.parse(out.toString("utf8")) as Array<{
      filename: string | null;
      contentType: string;
      bytes: string;
    }>
  ).map((entry) => ({ ...entry, bytes: Buffer.from(entry.bytes, "base64") }));
}
