import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.js";

// The shared build plus `@assmbl/mime/read` (src/read.ts), the reader without the composer: its
// output imports no nodemailer, so a Worker without nodejs_compat can bundle it.
export default defineConfig({
  ...packageBuild,
  entry: ["src/index.ts", "src/read.ts"],
});
