export type { MessageLimit } from "./attachments.js";
export {
  type ComposedMime,
  type ComposeMimeOptions,
  composeMime,
  type RenderedMessage,
  type RenderOptions,
  renderMessage,
} from "./compose.js";
export { foldableJson, foldHeaderValue } from "./fold.js";
export { type HeaderField, headerFields } from "./header-fields.js";
export { assertWritableMailbox, formatMailbox } from "./mailbox-header.js";
// The reader: everything `@assmbl/mime/read` exports (read.ts), from the one list.
export * from "./read.js";
