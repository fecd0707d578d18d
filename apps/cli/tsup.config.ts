import { defineConfig } from "tsup"

/**
 * The CLI ships self-contained: workspace libs and npm packages are bundled
 * in, only Node built-ins stay external. `dist/cli.js` holds the command tree
 * and Effect's core; each command's implementation (statistics, models, HTTP
 * clients, YAML) is a chunk beside it, loaded when that command runs, so a
 * Jenkins stage compiles only what it uses (measured: 2.2× `node -e 0` for
 * `--version` against 2.8× as one 820 KB file).
 */
export default defineConfig({
  entry: { cli: "src/main.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  bundle: true,
  // everything is bundled but native addons, which load their compiled binary relative to their package
  noExternal: [/^(?!better-sqlite3$)/],
  external: ["better-sqlite3"],
  splitting: true,
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
