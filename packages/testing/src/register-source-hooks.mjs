// `node --experimental-transform-types --import <this file> <entry>.ts`: installs
// source-hooks.mjs (see there). Tests find the path with `sourceHooksPath` from
// `@assmbl/testing/source-hooks`.
import { register } from "node:module";

register(new URL("./source-hooks.mjs", import.meta.url));
