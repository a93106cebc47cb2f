export {
  type AgentMailClient,
  type AgentMailClientOptions,
  type CallOptions,
  createAgentMailClient,
  type FetchedMessage,
  type FetchMessageOptions,
  type PresignedUpload,
  type UploadAttachmentInput,
  type UploadedAttachment,
} from "./client.js";
export type {
  AttachmentInfo,
  InboxItem,
  InboxPage,
  InboxQuery,
  StoredMessage,
} from "./inbox.js";
export { type OpenMessageOptions, openMessage } from "./open-message.js";
export type { RetryOptions } from "./options.js";
export type {
  AttachmentStatus,
  ReceivedAttachment,
  ReceivedMessage,
} from "./read-message.js";
export type { MessageSigner } from "./signer-binding.js";
export { type ApiTransportOptions, apiTransport } from "./transport.js";
export type { UploadProgress } from "./upload.js";
export type { VerifyWith } from "./verification-keys.js";
export { verifyWebhookSignature, type WebhookSignatureInput } from "./webhook.js";
