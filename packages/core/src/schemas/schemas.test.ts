import { describe, expect, it } from "vitest";
import { ApiBaseUrlSchema, ApiTokenSchema } from "./connection.js";
import {
  DirectoryRecordSchema,
  RegisterRequestSchema,
  RevokeResponseSchema,
  toAgentRecord,
} from "./directory.js";
import { InboxItemSchema, InboxQuerySchema } from "./inbox.js";
import { ManifestRowSchema, ManifestSchema } from "./manifest.js";
import { SendRequestSchema } from "./send.js";
import { WebhookSignatureSchema } from "./webhook.js";

const FINGERPRINT = "0123456789abcdef".repeat(4);

// Spec §4.
const MANIFEST_ROW = {
  index: 0,
  filename: "report.pdf.asc",
  content_type: "application/pgp-encrypted",
  size: 52311,
  encrypted: true,
  encryption: { algorithm: "openpgp", format: "armored" },
  original_filename: "report.pdf",
  original_content_type: "application/pdf",
  object_key: "uploads/my-agent/5f0c...-report.pdf.asc",
};

// Spec §5.1.
const SEND_REQUEST = {
  to: "other-agent@agents.example.com",
  cc: [],
  bcc: [],
  subject: "Encrypted task",
  body: "-----BEGIN PGP MESSAGE-----...",
  html: null,
  headers: { "X-AgentMail-Encrypted": "body", "X-AgentMail-Attachments": "[...]" },
  attachments: [
    {
      object_key: "uploads/...",
      filename: "report.pdf.asc",
      content_type: "application/pgp-encrypted",
    },
  ],
  correlation_id: "corr-123",
  idempotency_key: "idem-123",
  marketplace_request_id: null,
  usage: null,
};

// Spec §6, without key_status.
const DIRECTORY_RECORD = {
  agent_id: "other-agent",
  public_key: "-----BEGIN PUBLIC KEY-----...",
  algorithm: "Ed25519",
  key_fingerprint_sha256: FINGERPRINT,
  key_version: 2,
  openpgp_public_key: "-----BEGIN PGP PUBLIC KEY BLOCK-----...",
};

const REGISTER_REQUEST = {
  public_key: "-----BEGIN PUBLIC KEY-----...",
  algorithm: "RSA4096",
  key_version: 1,
  if_match_version: null,
  openpgp_public_key: "-----BEGIN PGP PUBLIC KEY BLOCK-----...",
};

describe("ManifestRowSchema / ManifestSchema", () => {
  it("accepts the spec §4 row", () => {
    expect(ManifestRowSchema.parse(MANIFEST_ROW)).toEqual(MANIFEST_ROW);
    expect(ManifestSchema.parse([MANIFEST_ROW])).toEqual([MANIFEST_ROW]);
  });

  it("rejects encryption without encrypted, and duplicate indexes", () => {
    expect(ManifestRowSchema.safeParse({ ...MANIFEST_ROW, encrypted: false }).success).toBe(false);
    expect(ManifestSchema.safeParse([MANIFEST_ROW, MANIFEST_ROW]).success).toBe(false);
  });
});

describe("SendRequestSchema", () => {
  it("accepts the spec §5.1 example unchanged", () => {
    expect(SendRequestSchema.parse(SEND_REQUEST)).toEqual(SEND_REQUEST);
  });

  it("fills the defaults of a minimal request and accepts an array of recipients", () => {
    expect(
      SendRequestSchema.parse({ to: ["a@x.example", "b@x.example"], subject: "hi", body: "hello" }),
    ).toEqual({
      to: ["a@x.example", "b@x.example"],
      cc: [],
      bcc: [],
      subject: "hi",
      body: "hello",
      html: null,
      headers: {},
      attachments: [],
      correlation_id: null,
      idempotency_key: null,
      marketplace_request_id: null,
      usage: null,
    });
  });

  it("rejects an unknown top-level key", () => {
    const result = SendRequestSchema.safeParse({ ...SEND_REQUEST, bcc_all: true });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe("unrecognized_keys");
  });

  it("rejects an unknown key in an attachment ref, an empty to and an empty recipient list", () => {
    const attachment = { ...SEND_REQUEST.attachments[0], size: 3 };
    expect(
      SendRequestSchema.safeParse({ ...SEND_REQUEST, attachments: [attachment] }).success,
    ).toBe(false);
    expect(SendRequestSchema.safeParse({ ...SEND_REQUEST, to: "" }).success).toBe(false);
    expect(SendRequestSchema.safeParse({ ...SEND_REQUEST, to: [] }).success).toBe(false);
  });
});

describe("DirectoryRecordSchema", () => {
  it("accepts the spec §6 record and defaults key_status to active", () => {
    expect(DirectoryRecordSchema.parse(DIRECTORY_RECORD)).toEqual({
      ...DIRECTORY_RECORD,
      key_status: "active",
    });
  });

  it("accepts a revoked record with openpgp_public_key null", () => {
    const revoked = { ...DIRECTORY_RECORD, key_status: "revoked", openpgp_public_key: null };
    expect(DirectoryRecordSchema.parse(revoked)).toEqual(revoked);
  });

  it("accepts a record without openpgp_public_key", () => {
    const { openpgp_public_key: _omitted, ...withoutKey } = DIRECTORY_RECORD;
    expect(DirectoryRecordSchema.parse(withoutKey).openpgp_public_key).toBeUndefined();
  });

  it.each(["Ed25519", "RSA2048", "RSA4096", "ECDSA_P256", "RSA"])(
    "accepts the algorithm %s",
    (algorithm) => {
      expect(DirectoryRecordSchema.safeParse({ ...DIRECTORY_RECORD, algorithm }).success).toBe(
        true,
      );
    },
  );

  it.each([
    ["a 63-hex fingerprint", { key_fingerprint_sha256: FINGERPRINT.slice(1) }],
    ["an upper-case fingerprint", { key_fingerprint_sha256: FINGERPRINT.toUpperCase() }],
    ["an unknown algorithm", { algorithm: "Ed448" }],
    ["key_version 0", { key_version: 0 }],
    ["a fractional key_version", { key_version: 1.5 }],
    ["an unknown key_status", { key_status: "expired" }],
    ["an agent id with a slash", { agent_id: "a/b" }],
    ["an empty openpgp_public_key", { openpgp_public_key: "" }],
  ])("rejects %s", (_label, change) => {
    expect(DirectoryRecordSchema.safeParse({ ...DIRECTORY_RECORD, ...change }).success).toBe(false);
  });
});

describe("toAgentRecord", () => {
  it("maps a wire record to camelCase and lower-cases the agent id", () => {
    const wire = DirectoryRecordSchema.parse({ ...DIRECTORY_RECORD, agent_id: "Other-Agent" });
    expect(toAgentRecord(wire)).toEqual({
      agentId: "other-agent",
      publicKey: "-----BEGIN PUBLIC KEY-----...",
      algorithm: "Ed25519",
      keyFingerprintSha256: FINGERPRINT,
      keyVersion: 2,
      keyStatus: "active",
      openpgpPublicKey: "-----BEGIN PGP PUBLIC KEY BLOCK-----...",
    });
  });

  it("gives null for a missing key", () => {
    const { openpgp_public_key: _omitted, ...withoutKey } = DIRECTORY_RECORD;
    expect(toAgentRecord(DirectoryRecordSchema.parse(withoutKey)).openpgpPublicKey).toBeNull();
  });

  it("nulls the key of a revoked record even when the wire still carries one", () => {
    const wire = DirectoryRecordSchema.parse({ ...DIRECTORY_RECORD, key_status: "revoked" });
    expect(wire.openpgp_public_key).toBe("-----BEGIN PGP PUBLIC KEY BLOCK-----...");
    const record = toAgentRecord(wire);
    expect(record.keyStatus).toBe("revoked");
    expect(record.openpgpPublicKey).toBeNull();
  });
});

describe("RegisterRequestSchema", () => {
  it("accepts a first registration", () => {
    expect(RegisterRequestSchema.parse(REGISTER_REQUEST)).toEqual(REGISTER_REQUEST);
  });

  it("rejects unknown keys", () => {
    const result = RegisterRequestSchema.safeParse({ ...REGISTER_REQUEST, private_key: "x" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe("unrecognized_keys");
  });

  it("requires if_match_version (null allowed) and a positive key_version", () => {
    const { if_match_version: _omitted, ...withoutIfMatch } = REGISTER_REQUEST;
    expect(RegisterRequestSchema.safeParse(withoutIfMatch).success).toBe(false);
    expect(RegisterRequestSchema.safeParse({ ...REGISTER_REQUEST, key_version: 0 }).success).toBe(
      false,
    );
  });
});

describe("RevokeResponseSchema and WebhookSignatureSchema", () => {
  it("accept the spec's shapes only", () => {
    expect(RevokeResponseSchema.safeParse({ agent_id: "a", revoked: true }).success).toBe(true);
    expect(RevokeResponseSchema.safeParse({ agent_id: "a", revoked: false }).success).toBe(false);
    expect(WebhookSignatureSchema.safeParse(`v1=${"ab".repeat(32)}`).success).toBe(true);
    expect(WebhookSignatureSchema.safeParse(`v1=${"ab".repeat(31)}`).success).toBe(false);
    expect(WebhookSignatureSchema.safeParse(`v2=${"ab".repeat(32)}`).success).toBe(false);
  });
});

describe("InboxQuerySchema", () => {
  it("coerces URL strings", () => {
    expect(
      InboxQuerySchema.parse({
        limit: "20",
        verified_only: "true",
        is_read: "false",
        include_archived: true,
        q: "invoice",
      }),
    ).toEqual({
      limit: 20,
      verified_only: true,
      is_read: false,
      include_archived: true,
      q: "invoice",
    });
  });

  it("accepts an empty query", () => {
    expect(InboxQuerySchema.parse({})).toEqual({});
  });

  it.each([
    ["limit 101", { limit: 101 }],
    ['limit "101"', { limit: "101" }],
    ["limit 0", { limit: 0 }],
    ["a fractional limit", { limit: "2.5" }],
    ["a non-numeric limit", { limit: "ten" }],
    ["an empty q", { q: "" }],
    ['verified_only "yes"', { verified_only: "yes" }],
    ["an unknown key", { page: 2 }],
  ])("rejects %s", (_label, query) => {
    expect(InboxQuerySchema.safeParse(query).success).toBe(false);
  });
});

describe("InboxItemSchema", () => {
  const item = {
    MessageID: "m1",
    Sender: "a@agents.example.com",
    SenderVerified: true,
    Subject: "hi",
    ReceivedAt: "2026-01-01T00:00:00.000Z",
  };

  it("takes the filter state when present and keeps unknown keys", () => {
    expect(
      InboxItemSchema.parse({ ...item, Labels: ["x"], IsRead: false, IsArchived: false, Extra: 1 }),
    ).toEqual({ ...item, Labels: ["x"], IsRead: false, IsArchived: false, Extra: 1 });
    expect(InboxItemSchema.parse(item)).toEqual(item);
  });

  it("rejects filter state of the wrong type", () => {
    expect(InboxItemSchema.safeParse({ ...item, IsRead: "no" }).success).toBe(false);
    expect(InboxItemSchema.safeParse({ ...item, Labels: "x" }).success).toBe(false);
  });
});

describe("ApiBaseUrlSchema and ApiTokenSchema", () => {
  it("take http(s) URLs and printable-ASCII tokens only", () => {
    expect(ApiBaseUrlSchema.safeParse("https://api.example.com").success).toBe(true);
    expect(ApiBaseUrlSchema.safeParse("http://127.0.0.1:8025").success).toBe(true);
    expect(ApiBaseUrlSchema.safeParse("ftp://api.example.com").success).toBe(false);
    expect(ApiBaseUrlSchema.safeParse("api.example.com").success).toBe(false);
    expect(ApiBaseUrlSchema.safeParse("https://api.example.com/v1/").success).toBe(true);
    // A query or fragment would swallow the routes joined onto the path; credentials go in token.
    for (const bad of [
      "https://api.example.com/v1?k=secret",
      "https://api.example.com/v1#frag",
      "https://user:pass@api.example.com",
    ]) {
      expect(ApiBaseUrlSchema.safeParse(bad).success).toBe(false);
    }
    expect(ApiTokenSchema.safeParse("amdev_abc-123.~+/=").success).toBe(true);
    for (const bad of ["", "a b", "a\r\nb", "tök"]) {
      expect(ApiTokenSchema.safeParse(bad).success).toBe(false);
    }
  });

  it("never echo the token in the message", () => {
    const result = ApiTokenSchema.safeParse("secret value");
    expect(JSON.stringify(result.error?.issues)).not.toContain("secret value");
  });
});
