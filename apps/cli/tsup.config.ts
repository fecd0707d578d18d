import { defineConfig } from "tsup"

/**
 * The CLI ships as one ESM file so a Jenkins stage pays one module load:
 * workspace libs and npm packages are bundled in, only Node built-ins stay
 * external.
 */
export default defineConfig({
  entry: { cli: "src/main.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  bundle: true,
  noExternal: [/.*/],
  splitting: false,
  treeshake: true,
  minify: true,
  sourcemap: false,
  clean: true,
  outDir: "dist",
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __rollwiseCreateRequire } from \"node:module\";\nconst require = __rollwiseCreateRequire(import.meta.url);"
  },
  esbuildOptions(options) {
    options.conditions = ["@rollwise/source"]
  }
})
