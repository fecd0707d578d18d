import { defineConfig } from "tsup"

/**
 * Self-contained like the CLI: workspace libs and npm packages are bundled
 * in, Node built-ins stay external. `dist/main.js` runs the server on its
 * own (`node dist/main.js --help`); `dist/index.js` is what `rollwise serve`
 * would load without the source condition.
 */
export default defineConfig({
  entry: { main: "src/main.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  bundle: true,
  noExternal: [/.*/],
  splitting: true,
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
