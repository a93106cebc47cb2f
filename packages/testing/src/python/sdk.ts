// The platform's Python SDK as a test peer: typed calls into ./agentmail_sdk_model.py,
// which models `agentmail_client` from its docs with the same libraries it uses (PGPy for OpenPGP,
// Python's `email` for MIME). Tests in every package use it to prove that what this SDK writes,
// the Python SDK reads, and the other way round.
//
// PGPy comes from Debian's `python3-pgpy`, which installs for /usr/bin/python3 only (a `python3`
// earlier on PATH may lack it). `.ci/run` installs it; without it every call fails loudly, so no
// interop test is ever skipped.
import { fileURLToPath } from "node:url";
import { spawnPython } from "./run.js";

const MODEL = fileURLToPath(new URL("./agentmail_sdk_model.py", import.meta.url));

/** The camelCase bundle of the Python SDK's `generate_keypair` (an RSA-4096 PGPy key). */
export interface PythonKeypair {
  publicKeyArmored: string;
  privateKeyArmored: string;
  directoryPublicKeyPem: string;
  /** OpenPGP v4 fingerprint, lower-case hex. */
  fingerprint: string;
}

/** What PGPy makes of an armored key. */
export type PythonKeyReport =
  | { loaded: false; error: string }
  | {
      loaded: true;
      isPublic: boolean;
      fingerprint: string;
      /** Every self-signature (user ids, subkey bindings) verifies in PGPy. */
      selfVerified: boolean;
      verifyError: string | null;
      /** For a protected private key: whether the passphrase given unlocks it. */
      unlocks: boolean | null;
      userIds: string[];
      hashPreferences: number[];
      cipherPreferences: number[];
      compressionPreferences: number[];
      /** Key ids of the subkeys, lower-case hex. */
      subkeys: string[];
      /**
       * The key id PGPy's encrypt wrote (the primary key or subkey it picked; it checks neither
       * revocation nor expiry), lower-case hex; null when it raised.
       */
      encryptsTo: string | null;
      /** What PGPy's encrypt raised, as `Type: message`; null when it encrypted. */
      encryptError: string | null;
    };

/** PGPy's decryption of one armored message. */
export interface PythonDecrypted {
  /** Set when PGPy raised: the exception as `Type: message`. */
  error?: string;
  /** Key ids the message was encrypted to (PKESK packets), lower-case hex. */
  encrypters?: string[];
  /** The literal data format byte: `b`, `t` or `u`. */
  format?: string | null;
  /** The Python type of `.message`: `str` or `bytearray`. */
  pythonType?: string;
  /** `.message` when it is a `str`. */
  text?: string;
  /** `.message` as base64 when it is bytes. */
  data?: string;
  /** Key ids of the signatures inside, lower-case hex. */
  signers?: string[];
  /** With `verifyWith`: whether PGPy verified the signature; null when unsigned or not asked. */
  verified?: boolean | null;
  verifyError?: string;
}

/** One attachment as the Python reader sees it. */
export interface PythonReadAttachment {
  index: number;
  filename: string | null;
  contentType: string;
  encrypted: boolean;
  /** The part's decoded bytes, base64. */
  data: string;
  decrypted?: PythonDecrypted;
}

/** A raw message as the Python SDK's reader sees it. */
export interface PythonReadMessage {
  subject: string;
  from: string;
  to: string;
  cc: string | null;
  bcc: string | null;
  /** Every header, decoded by `email.policy.default` (`str(value)`). */
  headers: Record<string, string>;
  /** Every header in order, duplicates included: `[name as written, str(value)]`. */
  headerList: [string, string][];
  encrypted: boolean;
  bodyText: string;
  bodyDecrypted?: PythonDecrypted;
  /** `json.loads(str(msg["X-AgentMail-Attachments"]))`, or null. */
  manifest: Record<string, unknown>[] | null;
  manifestError?: string;
  attachments: PythonReadAttachment[];
  /** Parser defects, as class names. */
  defects: string[];
}

/** An attachment for {@link PythonSdk.writeMessage}. */
export interface PythonWriteAttachment {
  filename: string;
  contentType: string;
  data: Uint8Array;
  /** Extra keys of its manifest row (`encrypted`, `encryption`, `original_filename`, ...). */
  manifestRow?: Record<string, unknown>;
}

/** What the Python SDK's reader makes of one header: `str(header)`, then `json.loads` of it. */
export interface PythonHeaderRead {
  /** `str(msg[name])` under `email.policy.default`; absent when reading the header raised. */
  value?: string;
  /** `json.loads(value)`, when it parsed. */
  json?: unknown;
  /** Why `json.loads` failed, as `Type: message`. */
  jsonError?: string;
  /** Why reading the header raised, as `Type: message`. */
  error?: string;
}

/** A manifest as the Python SDK's writer puts it on the wire, and as its reader reads it back. */
export interface PythonWrittenManifest extends PythonHeaderRead {
  /** The whole message, `as_bytes()`. */
  raw: Uint8Array;
  /** The header's value exactly as written (after `X-AgentMail-Attachments:`, folds included). */
  field: Uint8Array;
}

const bytes = (base64: string) => new Uint8Array(Buffer.from(base64, "base64"));
const base64 = (data: Uint8Array) => Buffer.from(data).toString("base64");

/** Runs one operation of the model; rejects with Python's stderr when it fails. */
export async function callPythonSdk<T>(op: string, args: Record<string, unknown>): Promise<T> {
  const out = await spawnPython(
    [MODEL],
    JSON.stringify({ op, args }),
    `the Python SDK model in ${op} (is python3-pgpy installed?)`,
  );
  return JSON.parse(out.toString("utf8")) as T;
}

/** One operation of a {@link callPythonSdkBatch}. */
export interface PythonSdkCall {
  op: string;
  args: Record<string, unknown>;
}

/**
 * Runs several operations of the model in one `/usr/bin/python3` process (the model's `batch`
 * op), in order; resolves with their answers in the same order. Starting Python and importing
 * PGPy costs about 0.1 s, so tests that ask PGPy many questions batch them.
 */
export function callPythonSdkBatch<T>(calls: readonly PythonSdkCall[]): Promise<T[]> {
  if (calls.length === 0) return Promise.resolve([]);
  return callPythonSdk<T[]>("batch", { calls });
}

/**
 * The Python SDK, as tests call it. Every call is one `/usr/bin/python3` process.
 *
 * @example
 * const peer = await pythonSdk.generateKeypair({ name: "Py Agent", email: "py@agents.localhost" });
 * const { text } = await pythonSdk.decrypt(armored, { privateKey: peer.privateKeyArmored });
 */
export const pythonSdk = {
  /** `generate_keypair(name, email, passphrase)`: RSA-4096 with PGPy's documented recipe (slow: ~1-3 s). */
  generateKeypair(args: { name: string; email: string; passphrase?: string }) {
    return callPythonSdk<PythonKeypair>("generate_keypair", args);
  },
  /**
   * Loads a key in PGPy, checks its self-signatures (and the passphrase, for a private key), and
   * encrypts a probe message to it, reporting the (sub)key PGPy picked.
   */
  inspectKey(armored: string, passphrase?: string) {
    return callPythonSdk<PythonKeyReport>("inspect_key", { armored, passphrase });
  },
  /** {@link inspectKey} for many keys, in one Python process. */
  inspectKeys(keys: readonly { armored: string; passphrase?: string }[]) {
    return callPythonSdkBatch<PythonKeyReport>(
      keys.map(({ armored, passphrase }) => ({ op: "inspect_key", args: { armored, passphrase } })),
    );
  },
  /** `pgp_encrypt_utf8`: PGPy's defaults (ZIP, literal `u`), optionally signed first. */
  async encryptUtf8(
    text: string,
    recipient: string,
    options: { signWith?: string; passphrase?: string } = {},
  ): Promise<string> {
    const { armored } = await callPythonSdk<{ armored: string }>("pgp_encrypt_utf8", {
      text,
      recipient,
      sign_with: options.signWith,
      passphrase: options.passphrase,
    });
    return armored;
  },
  /** An attachment's bytes, PGPy's defaults (ZIP; literal `t` for ASCII bytes, else `b`) unless `format`. */
  async encryptBytes(
    data: Uint8Array,
    recipient: string,
    options: { signWith?: string; passphrase?: string; format?: "b" | "t" | "u" } = {},
  ): Promise<string> {
    const { armored } = await callPythonSdk<{ armored: string }>("encrypt_bytes", {
      data: base64(data),
      recipient,
      sign_with: options.signWith,
      passphrase: options.passphrase,
      format: options.format,
    });
    return armored;
  },
  /** PGPy's decrypt: `.message` as PGPy gives it, the key ids, signers, and verification. */
  decrypt(
    armored: string,
    options: { privateKey: string; passphrase?: string; verifyWith?: string },
  ): Promise<PythonDecrypted> {
    return callPythonSdk<PythonDecrypted>("decrypt", {
      armored,
      private_key: options.privateKey,
      passphrase: options.passphrase,
      verify_with: options.verifyWith,
    });
  },
  /** {@link decrypt} for many messages, in one Python process. */
  decryptAll(
    items: readonly {
      armored: string;
      privateKey: string;
      passphrase?: string;
      verifyWith?: string;
    }[],
  ): Promise<PythonDecrypted[]> {
    return callPythonSdkBatch<PythonDecrypted>(
      items.map((item) => ({
        op: "decrypt",
        args: {
          armored: item.armored,
          private_key: item.privateKey,
          passphrase: item.passphrase,
          verify_with: item.verifyWith,
        },
      })),
    );
  },
  /** The Python reader on raw MIME: `email.policy.default`, detection, manifest, decryption. */
  readMessage(
    raw: Uint8Array,
    options: { privateKey?: string; passphrase?: string; verifyWith?: string } = {},
  ): Promise<PythonReadMessage> {
    return callPythonSdk<PythonReadMessage>("read_message", {
      raw: base64(raw),
      private_key: options.privateKey,
      passphrase: options.passphrase,
      verify_with: options.verifyWith,
    });
  },
  /**
   * Each manifest written as the Python SDK writes `X-AgentMail-Attachments` (`json.dumps` with
   * compact separators, `ensure_ascii` as given, default true) into an `EmailMessage`, serialised
   * with `as_bytes()` under `email.policy.default` (which folds long values into RFC 2047 encoded
   * words), then read back from those bytes as its reader does: `json.loads(str(header))`. One
   * Python process for all of them.
   */
  async writeManifests(
    manifests: readonly unknown[][],
    options: { ensureAscii?: boolean } = {},
  ): Promise<PythonWrittenManifest[]> {
    const { results } = await callPythonSdk<{
      results: Array<PythonHeaderRead & { raw: string; field: string }>;
    }>("write_manifests", { manifests, ensure_ascii: options.ensureAscii ?? true });
    return results.map((result) => ({
      ...result,
      raw: bytes(result.raw),
      field: bytes(result.field),
    }));
  },
  /**
   * Each value (text is UTF-8 encoded; bytes as they are; fold lines with CRLF + space) as the
   * value of one header of a message parsed with `email.policy.default`: what `str(header)` and
   * `json.loads` give. One Python process for all of them.
   */
  async readHeaderValues(values: readonly (string | Uint8Array)[]): Promise<PythonHeaderRead[]> {
    const { results } = await callPythonSdk<{ results: PythonHeaderRead[] }>("read_header_values", {
      values: values.map((value) =>
        base64(typeof value === "string" ? new TextEncoder().encode(value) : value),
      ),
    });
    return results;
  },
  /** The custom-email guide's Option 2 writer; returns the exact bytes of `as_bytes()`. */
  async writeMessage(message: PythonWriteMessage): Promise<Uint8Array> {
    const { raw } = await callPythonSdk<{ raw: string }>(
      "write_message",
      writeMessageArgs(message),
    );
    return bytes(raw);
  },
  /**
   * {@link writeMessage} for each message, in order, in one `/usr/bin/python3` process (starting
   * Python once per message dominates a test that writes many).
   */
  async writeMessages(messages: readonly PythonWriteMessage[]): Promise<Uint8Array[]> {
    const answers = await callPythonSdkBatch<{ raw: string }>(
      messages.map((message) => ({ op: "write_message", args: writeMessageArgs(message) })),
    );
    return answers.map(({ raw }) => bytes(raw));
  },
};

/** A message for {@link pythonSdk}'s `writeMessage` and `writeMessages`. */
export interface PythonWriteMessage {
  from: string;
  to: string;
  subject: string;
  /** The body: the armored ciphertext when `encryptedBody`. */
  body: string;
  encryptedBody?: boolean;
  attachments?: PythonWriteAttachment[];
  correlationId?: string;
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

// The model's `write_message` keyword arguments for a message.
function writeMessageArgs(message: PythonWriteMessage): Record<string, unknown> {
  return {
    sender: message.from,
    to: message.to,
    subject: message.subject,
    body: message.body,
    encrypted_body: message.encryptedBody ?? false,
    attachments: (message.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      data: base64(a.data),
      manifestRow: a.manifestRow,
    })),
    correlation_id: message.correlationId,
    idempotency_key: message.idempotencyKey,
    headers: message.headers,
  };
}

/** Decodes a base64 field of a model answer (`data`). */
export function fromBase64(value: string | undefined): Uint8Array {
  return bytes(value ?? "");
}
