// How the composer writes header text: as given and folded, or as RFC 2047 encoded words; and the
// exact field names put back after nodemailer has built the message.
import { AgentMailError, AgentMailHeaders, hasEncodedWordLookalike } from "@assmbl/core";
import { encodeWord } from "nodemailer/lib/mime-funcs";
import type MimeNode from "nodemailer/lib/mime-node";
import { foldHeaderValue } from "./fold.js";

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Whether an unstructured header value goes out as given (then folded only at its own single
 * spaces, so unfolding restores it exactly; nodemailer would RFC 2047-encode any value with a
 * double quote, JSON included) rather than as RFC 2047 encoded words: printable ASCII, no
 * encoded-word look-alike (`=?`: readers, Python's `email` and core's decoder, decode any
 * `=?...?=` they find, and nodemailer would leave a well-formed one as it is), and **(ours)** no
 * leading, trailing or repeated white space: readers drop the space after the colon and some
 * collapse runs at a fold, while inside an encoded word every space reads back.
 *
 * @example
 * isWrittenAsIs("Q3 report"); // true
 * isWrittenAsIs(" Q3  report"); // false
 */
export function isWrittenAsIs(value: string): boolean {
  return (
    PRINTABLE_ASCII.test(value) && !hasEncodedWordLookalike(value) && !/^\s|\s$|\s\s/.test(value)
  );
}

/**
 * Adds an unstructured header to `node`, written as is (folded) or as encoded words.
 *
 * @example
 * addText(root, "Subject", "Q3 report");
 * @throws {AgentMailError} `invalid_header` for an empty or all-space value.
 */
export function addText(node: MimeNode, name: string, value: string): void {
  if (value.trim() === "") {
    throw new AgentMailError({
      code: "invalid_header",
      message: `${name} has an empty value, which the MIME composer cannot write`,
    });
  }
  // The manifest is compact JSON from core (ASCII, "=?" escaped): its spaces are the JSON's own
  // and unfold back exactly, so only a look-alike or non-ASCII value would make it encoded.
  const asIs =
    name === AgentMailHeaders.attachments
      ? PRINTABLE_ASCII.test(value) && !hasEncodedWordLookalike(value)
      : isWrittenAsIs(value);
  const written = asIs ? value : encodedWords(value);
  node.addHeader(name, { prepared: true, value: foldHeaderValue(name, written) });
}

/**
 * `value` as RFC 2047 encoded words (UTF-8, at most 52 characters each, separated by spaces where
 * the header folds), Q for mostly Latin text and B otherwise, as nodemailer picks. Folded here,
 * not by nodemailer: it may fold right after the colon, and Python's `email` then keeps the
 * fold's space at the start of the value.
 */
function encodedWords(value: string): string {
  let latin = 0;
  let other = 0;
  for (const char of value) {
    if (/[A-Za-z]/.test(char)) latin++;
    else if (!/[\x20-\x7e]/.test(char)) other++;
  }
  return encodeWord(value, other < latin ? "Q" : "B", 52);
}

/**
 * The built message with the exact spelling of each of `names` in its root header block:
 * nodemailer capitalises field names its own way ("X-Agentmail-Encrypted"), the contract and the
 * caller spell them theirs. Only the root header block is touched, and only at the start of a
 * line, where a field name stands (continuation lines start with white space); a fold right
 * after a colon is joined too (below).
 *
 * @example
 * const raw = withExactNames(await root.build(), ["X-AgentMail-Encrypted"]);
 */
export function withExactNames(built: Buffer, names: readonly string[]): Uint8Array {
  const end = built.indexOf("\r\n\r\n");
  // Never a fold right after the colon (nodemailer folds a long address list there): Python's
  // email keeps that fold's space at the start of an unstructured value, and so does a reader
  // that follows it. The first line is then longer than 78 characters, still far below 998.
  let head = built
    .subarray(0, end)
    .toString("latin1")
    .replace(/(^|\r\n)([\x21-\x39\x3b-\x7e]+):\r\n[ \t]+/g, "$1$2: ");
  for (const name of names) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    head = head.replace(new RegExp(`(^|\r\n)${escaped}:`, "i"), (_, start) => `${start}${name}:`);
  }
  const out = new Uint8Array(built.length);
  out.set(Buffer.from(head, "latin1"), 0);
  out.set(built.subarray(end), head.length);
  return out;
}
