// The reader alone, as `@assmbl/mime/read`: nothing here reaches nodemailer (which needs Node's
// built-ins), so a Worker without nodejs_compat can bundle it. The package root exports all of
// this too (`export * from "./read.js"`), beside the composer.
export { type OpenMessageOptions, openMessage } from "./open-message.js";
export {
  type AttachmentBody,
  cleanText,
  type MimeAttachment,
  type ParsedMime,
  type ParseMimeOptions,
  parseMime,
} from "./parse-mime.js";
export { type AttachmentSource, type PartStream, readPart } from "./part-stream.js";
export type { ReadFields } from "./read-message.js";
export {
  type MessageRead,
  type MessageReading,
  type PlatformView,
  prepareReceive,
  type ReceiveSettings,
} from "./receive.js";
export { StorageOptionsShape } from "./receive-options.js";
export type {
  AttachmentStatus,
  PlatformAttachment,
  ReceivedAttachment,
  ReceivedMessage,
} from "./received-message.js";
export type { MessageSigner } from "./signer-binding.js";
export { ReceiveOptionsShape, type VerifyWith } from "./verification-keys.js";
