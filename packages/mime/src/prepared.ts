import { AgentMailError, AgentMailHeaders, mimeHeaders, type PreparedMessage } from "@assmbl/core";
import { parseHeaderValue } from "nodemailer/lib/mime-funcs";
import { assertFoldable } from "./fold.js";
import { assertEncodableName } from "./mailbox-header.js";

/**
 * What only the MIME composer can know about a message core already validated (core's
 * `assertPrepared` runs first and is the one check of header safety, look-alikes, structure and
 * ciphertext): that this rendering can write it. An ASCII value must fold within RFC 5322's
 * 998-character lines, a display name holding `=?` must fit one encoded word, a part's media
 * type must not carry a `name`/`filename` the composer would replace, and every attachment
 * must come with its bytes (the composer writes whole messages; a reference to stored bytes is
 * for the AgentMail API).
 *
 * @example
 * checkRenderable(assertPrepared(prepared)); // throws before anything is built
 * @throws {AgentMailError} `invalid_header`, `invalid_address`, `invalid_attachment`.
 */
export function checkRenderable(prepared: PreparedMessage): void {
  assertFoldable("Subject", prepared.subject, "subject");
  assertEncodableName(prepared.from, "from");
  for (const kind of ["to", "cc", "bcc", "replyTo"] as const) {
    prepared[kind].forEach((entry, i) => {
      assertEncodableName(entry, `${kind}[${i}]`);
    });
  }
  for (const [name, value] of Object.entries(mimeHeaders(prepared))) {
    // The manifest is folded by foldableJson, which inserts fold points where JSON allows.
    if (name !== AgentMailHeaders.attachments) assertFoldable(name, value, `header ${name}`);
  }
  prepared.attachments.forEach((attachment, i) => {
    const what = `attachments[${i}]`;
    checkNameParameter(attachment.manifest.content_type, `${what}.content_type`);
    if (attachment.content === undefined) {
      throw new AgentMailError({
        code: "invalid_attachment",
        message: `${what} (${attachment.manifest.filename}) refers to stored bytes (object_key); the MIME composer writes whole messages, so pass the bytes instead`,
      });
    }
  });
}

// The part's Content-Type is the manifest's, with `name` added by the composer: a `name` or
// `filename` of the caller's would be replaced on the wire (the manifest keeping the original).
// Parsed as nodemailer, which writes the header, parses it.
function checkNameParameter(type: string, what: string): void {
  const params = Object.keys(parseHeaderValue(type).params as Record<string, string>);
  const named = params.find((param) => /^(name|filename)$/i.test(param));
  if (named !== undefined) {
    throw new AgentMailError({
      code: "invalid_attachment",
      message: `${what} has a ${named} parameter; the composer writes the attachment's name from its filename, so pass the name as filename instead`,
    });
  }
}
