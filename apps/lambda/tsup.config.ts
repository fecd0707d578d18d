import { defineConfig } from "tsup"

/**
 * Self-contained like apps/http-api: workspace libs and npm packages are
 * bundled in, Node built-ins stay external, so `dist/handler.js` is the whole
 * deployment package (handler name `handler.handler`). No splitting: Lambda
 * loads one file.
 */
export default defineConfig({
  entry: { handler: "src/handler.ts" },
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
    js: "import { createRequire as __rollwiseCreateRequire } from \"node:module\";\nconst require = __rollwiseCreateRequire(import.meta.url);"
  },
  esbuildOptions(options) {
    options.conditions = ["@rollwise/source"]
  }
})
