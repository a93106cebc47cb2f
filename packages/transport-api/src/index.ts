// Reading a raw message needs no API client: it lives in @assmbl/mime (no ky), re-exported here
// from its reader-only entry, so this package never bundles the composer (nodemailer).
export {
  type AttachmentStatus,
  type MessageSigner,
  type OpenMessageOptions,
  openMessage,
  type ReceivedAttachment,
  type ReceivedMessage,
  type VerifyWith,
} from "@assmbl/mime/read";
export {
  type AgentMailClient,
  type AgentMailClientOptions,
  type BillingBalance,
  type BillingPricing,
  type CallOptions,
  createAgentMailClient,
  type FetchedMessage,
  type FetchMessageOptions,
  type NotificationFilters,
  type NotificationRule,
  type NotificationRuleInput,
  type PresignedUpload,
  type PutTrustedPeerInput,
  type PutWebhookInput,
  type RateCap,
  type TrustedPeer,
  type UploadAttachmentInput,
  type UploadedAttachment,
  type UsageCounts,
  type UsagePage,
  type UsageQuery,
  type UsageRow,
  type WebhookSettings,
} from "./client.js";
export type {
  AttachmentInfo,
  InboxItem,
  InboxPage,
  InboxQuery,
  StoredMessage,
} from "./inbox.js";
export type { RetryOptions } from "./options.js";
export { type ApiTransportOptions, apiTransport } from "./transport.js";
export type { UploadProgress } from "./upload.js";
export { verifyWebhookSignature, type WebhookSignatureInput } from "./webhook.js";
