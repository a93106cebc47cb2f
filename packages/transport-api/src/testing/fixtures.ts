// Builders shared by this package's tests (not exported by the package); the mailer builders
// and generic helpers are shared with @assmbl/mime's tests through @assmbl/testing/mailer.
import type { Runtime } from "@assmbl/core";

export {
  errorOf,
  MAIL_DOMAIN,
  mapDirectory,
  prepare,
  sampleBytes,
  streamOf,
  utf8,
} from "@assmbl/testing/mailer";

/** A clock that only moves when the code under test sleeps; records every sleep. */
export function fakeRuntime(random = () => 0.5): Runtime & { sleeps: number[]; time: number } {
  const state = {
    time: 1_700_000_000_000,
    sleeps: [] as number[],
    now: () => state.time,
    random,
    async sleep(ms: number) {
      state.sleeps.push(ms);
      state.time += ms;
    },
  };
  return state;
}
