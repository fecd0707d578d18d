import { defineConfig, type Options } from "tsup"

/**
 * How every library is built: ESM with declarations, one entry per public
 * subpath. Workspace libs are resolved from source (`@rollwise/source`) and
 * left external, as are npm packages.
 */
export const libConfig = (entry: Record<string, string> = { index: "src/index.ts" }): Options =>
  defineConfig({
    entry,
    format: ["esm"],
    target: "node20",
    platform: "neutral",
    dts: true,
    clean: true,
    sourcemap: true,
    treeshake: true,
    outDir: "dist",
    esbuildOptions(options) {
      options.conditions = ["@rollwise/source"]
    }
  }) as Options
