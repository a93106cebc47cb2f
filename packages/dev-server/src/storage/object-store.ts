import { parseInput } from "@assmbl/core";
import { z } from "zod";
import { agentIdSchema } from "../options.js";

/**
 * What a stored object is: `upload`, bytes an agent uploaded through a presigned POST (the only
 * objects `/send` and `POST /attachments/downloads` accept), or `attachment`, a part of a
 * received message that its recipient asked to download.
 *
 * @example
 * const kind: DevObjectKind = "upload";
 */
export type DevObjectKind = "upload" | "attachment";

/**
 * One object in the dev server's storage: an upload, or an attachment of a received message that
 * was asked for by download.
 *
 * @example
 * const object = server.store.objects.get(objectKey);
 * new TextDecoder().decode(object?.bytes);
 */
export interface DevStoredObject {
  key: string;
  /** The agent that may reference and download it. */
  agentId: string;
  /** An upload, or a received message's attachment. */
  kind: DevObjectKind;
  /** The file name a download is saved as (`Content-Disposition`). */
  fileName: string;
  /** `Content-Type` it was uploaded with, served back on download. */
  contentType: string;
  bytes: Uint8Array;
  storedAt: Date;
}

/**
 * A presigned upload handed out by `POST /attachments/uploads`: whose the object will be, and
 * the file name it was asked for under.
 *
 * @example
 * objects.grantOf(objectKey)?.fileName; // "report.pdf"
 */
export interface DevUploadGrant {
  agentId: string;
  fileName: string;
}

/**
 * What {@link ObjectStore.put} takes.
 *
 * @example
 * store.objects.put({ key: "uploads/my-agent/1-a.txt", agentId: "my-agent", contentType: "text/plain", bytes });
 */
export interface DevObjectInput {
  key: string;
  agentId: string;
  contentType: string;
  bytes: Uint8Array;
  /** Default `upload`. */
  kind?: DevObjectKind | undefined;
  /** Default the key's last `/` segment. */
  fileName?: string | undefined;
}

/** {@link DevObjectInput}, checked. @internal */
export const ObjectInputSchema = z.strictObject({
  key: z.string().min(1).max(1024),
  agentId: agentIdSchema,
  contentType: z.string().min(1),
  // z.instanceof(Uint8Array) would type it Uint8Array<ArrayBuffer>, leaving out a Buffer.
  bytes: z.custom<Uint8Array>((value) => value instanceof Uint8Array, "expected a Uint8Array"),
  kind: z.enum(["upload", "attachment"]).optional(),
  fileName: z.string().min(1).max(1024).optional(),
});

/**
 * The dev server's object storage (S3 stand-in): presigned-upload grants and stored objects, in
 * memory. Routes call it; tests may call it to arrange uploads without HTTP or to inspect them.
 *
 * @example
 * const objects = new ObjectStore();
 * objects.put({ key: "uploads/a/1-x.txt", agentId: "a", contentType: "text/plain", bytes: new Uint8Array([104, 105]) });
 * objects.get("uploads/a/1-x.txt")?.contentType; // "text/plain"
 */
export class ObjectStore {
  readonly #grants = new Map<string, DevUploadGrant>();
  readonly #objects = new Map<string, DevStoredObject>();

  /**
   * Records that `agentId` was handed a presigned upload for `key`: an upload to that key
   * becomes the agent's object, downloaded as `fileName` (default the key's last segment).
   *
   * @example
   * objects.grant("uploads/my-agent/1-a.txt", "my-agent", "a.txt");
   */
  grant(key: string, agentId: string, fileName: string = lastSegment(key)): void {
    this.#grants.set(key, { agentId, fileName });
  }

  /**
   * The presigned upload granted for `key`, or `undefined`.
   *
   * @example
   * objects.grantOf("uploads/my-agent/1-a.txt")?.agentId; // "my-agent"
   */
  grantOf(key: string): DevUploadGrant | undefined {
    const grant = this.#grants.get(key);
    return grant && { ...grant };
  }

  /**
   * Stores an object (the bytes are copied), replacing any object with the same key.
   *
   * @example
   * objects.put({ key, agentId: "my-agent", contentType: "application/pdf", bytes });
   * @throws {AgentMailError} `invalid_options` for a bad input.
   */
  put(input: DevObjectInput): DevStoredObject {
    const object = this.#store(input, (bytes) => new Uint8Array(bytes));
    return copy(object);
  }

  /**
   * Stores an object that keeps `input.bytes` itself, not a copy: for GiB-sized uploads and
   * attachments delivered by reference, where a copy would double the memory. The caller gives
   * up the bytes: nothing may modify them afterwards. Returns the stored record (shared bytes).
   *
   * @example
   * objects.putShared({ key, agentId: "my-agent", contentType: "application/pgp-encrypted", bytes });
   * @throws {AgentMailError} `invalid_options` for a bad input.
   */
  putShared(input: DevObjectInput): Readonly<DevStoredObject> {
    return this.#store(input, (bytes) => bytes);
  }

  /**
   * A copy of the object stored under `key`, or `undefined`.
   *
   * @example
   * objects.get(objectKey)?.bytes.byteLength;
   */
  get(key: string): DevStoredObject | undefined {
    const object = this.#objects.get(key);
    return object && copy(object);
  }

  /**
   * The object stored under `key` itself, bytes shared rather than copied, or `undefined`: what
   * the routes read GiB-sized objects with. Nothing may modify what it returns.
   *
   * @example
   * objects.view(objectKey)?.bytes.byteLength;
   */
  view(key: string): Readonly<DevStoredObject> | undefined {
    return this.#objects.get(key);
  }

  /**
   * The object under `key` when it is an upload `agentId` made, else `undefined` (as if it did
   * not exist): a received message's attachment is not an upload, even its recipient's.
   *
   * @example
   * objects.ownUpload(objectKey, "my-agent");
   */
  ownUpload(key: string, agentId: string): DevStoredObject | undefined {
    const object = this.#objects.get(key);
    return object && object.kind === "upload" && object.agentId === agentId
      ? copy(object)
      : undefined;
  }

  /**
   * Every stored key, in the order first stored.
   *
   * @example
   * objects.keys().filter((key) => key.startsWith("uploads/my-agent/"));
   */
  keys(): string[] {
    return [...this.#objects.keys()];
  }

  /**
   * Removes an object; `false` when there was none.
   *
   * @example
   * objects.delete(objectKey); // true
   */
  delete(key: string): boolean {
    return this.#objects.delete(key);
  }

  #store(input: DevObjectInput, keep: (bytes: Uint8Array) => Uint8Array): DevStoredObject {
    const parsed = parseInput(ObjectInputSchema, input, "object");
    const object: DevStoredObject = {
      key: parsed.key,
      agentId: parsed.agentId,
      kind: parsed.kind ?? "upload",
      fileName: parsed.fileName ?? lastSegment(parsed.key),
      contentType: parsed.contentType,
      bytes: keep(parsed.bytes),
      storedAt: new Date(),
    };
    this.#objects.set(object.key, object);
    return object;
  }
}

function lastSegment(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1) || key;
}

function copy(object: DevStoredObject): DevStoredObject {
  return { ...object, bytes: new Uint8Array(object.bytes), storedAt: new Date(object.storedAt) };
}
