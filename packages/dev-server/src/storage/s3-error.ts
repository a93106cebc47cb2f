import { randomBytes } from "node:crypto";

/**
 * A refusal of a storage URL, answered as S3 answers (contract: "the storage URLs behave like
 * S3"): an XML `<Error>` document whose `Code` is S3's, with S3's status.
 *
 * @example
 * throw new S3Error("AccessDenied", "Invalid according to Policy: Policy expired.", 403);
 */
export class S3Error extends Error {
  constructor(
    /** S3's error code, e.g. `AccessDenied`, `EntityTooLarge`. */
    readonly s3Code: string,
    message: string,
    readonly status: number,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "S3Error";
  }
}

/**
 * 403 `AccessDenied`: a missing, changed or expired signed field.
 *
 * @example
 * throw accessDenied("Invalid according to Policy: Policy expired.");
 */
export function accessDenied(message: string): S3Error {
  return new S3Error("AccessDenied", message, 403);
}

/**
 * 400 `MalformedPOSTRequest`: a body that is not the multipart/form-data S3 expects.
 *
 * @example
 * throw malformedPost("the body ended before the closing boundary");
 */
export function malformedPost(detail: string): S3Error {
  return new S3Error(
    "MalformedPOSTRequest",
    `The body of your POST request is not well-formed multipart/form-data (${detail}).`,
    400,
  );
}

/**
 * The XML error response S3 sends, e.g. `<Error><Code>AccessDenied</Code>...`.
 *
 * @example
 * return s3ErrorResponse(accessDenied("Request has expired"));
 */
export function s3ErrorResponse(error: S3Error): Response {
  const requestId = randomBytes(8).toString("hex").toUpperCase();
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xml(error.s3Code)}</Code>` +
    `<Message>${xml(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
  return new Response(body, {
    status: error.status,
    headers: {
      "Content-Type": "application/xml",
      "x-amz-request-id": requestId,
      ...error.headers,
    },
  });
}

function xml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (char) =>
      ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[char] ?? "",
  );
}
