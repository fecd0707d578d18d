#!/usr/bin/env node
// The `rollwise` command as npm links it. The real program is the single
// bundled file dist/cli.js, which `npm ci` builds (root `prepare` script).
import("../dist/cli.js").catch((error) => {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/cli.js")) {
    process.stderr.write("rollwise: the CLI is not built yet; run `npm run build` (npm ci builds it) and try again\n")
    process.exit(70)
  }
  throw error
})
