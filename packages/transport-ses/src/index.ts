// The composer lives in @assmbl/mime; re-exported so what SES is sent can be rendered from here.
export {
  type ComposedMime,
  type ComposeMimeOptions,
  composeMime,
  foldableJson,
  foldHeaderValue,
} from "@assmbl/mime";
export { SES_RESPONSE_BYTES } from "./capped-response.js";
export { type PlainEmail, sendPlainEmail } from "./plain.js";
export type { SESv2ClientLike, SesClient } from "./ses-client.js";
export { type SesTransportOptions, sesTransport } from "./transport.js";
