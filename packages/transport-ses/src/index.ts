export { SES_RESPONSE_BYTES } from "./capped-response.js";
export { type ComposedMime, type ComposeMimeOptions, composeMime } from "./compose.js";
export { foldableJson, foldHeaderValue } from "./fold.js";
export { type PlainEmail, sendPlainEmail } from "./plain.js";
export type { SESv2ClientLike, SesClient } from "./ses-client.js";
export { type SesTransportOptions, sesTransport } from "./transport.js";
