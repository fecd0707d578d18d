import { defineConfig, type Options } from "tsup"

/**
 * How every library is built: ESM with declarations, one entry per public
 * subpath. Every package import (npm packages and the other workspace libs)
 * stays external: a lib's dist holds its own code only.
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
    external: [/^[^./]/],
    esbuildOptions(options) {
      options.conditions = ["@rollwise/source"]
    }
  }) as Options
