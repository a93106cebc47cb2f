// Builders shared by this package's tests (not exported by the package); the mailer builders
// and generic helpers are shared with @assmbl/mime's tests through @assmbl/testing/mailer.
export { fakeRuntime } from "@assmbl/testing/fakes";
export {
  errorOf,
  MAIL_DOMAIN,
  mapDirectory,
  prepare,
  sampleBytes,
  streamOf,
  utf8,
} from "@assmbl/testing/mailer";
