import { defineConfig, type Options } from "tsup"

const requireShim = 'import { createRequire as __rollwiseCreateRequire } from "node:module";\nconst require = __rollwiseCreateRequire(import.meta.url);'

/**
 * How every app is built: self-contained ESM for Node 20 — workspace libs and
 * npm packages bundled in, Node built-ins external, a `require` shim for the
 * CommonJS packages inside, minified. `external` keeps packages out that
 * cannot be bundled (native addons); `splitting` makes lazily imported
 * modules their own chunks; `shebang` makes the entry runnable as a binary.
 */
export const appConfig = (
  entry: Record<string, string>,
  options: { readonly splitting?: boolean; readonly shebang?: boolean; readonly external?: ReadonlyArray<string> } = {}
): Options => {
  const external = options.external ?? []
  return defineConfig({
    entry,
    format: ["esm"],
    target: "node20",
    platform: "node",
    bundle: true,
    noExternal: external.length === 0 ? [/.*/] : [new RegExp(`^(?!(${external.map((e) => e.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")).join("|")})$)`)],
    external: [...external],
    splitting: options.splitting ?? false,
    treeshake: true,
    minify: true,
    sourcemap: false,
    clean: true,
    outDir: "dist",
    banner: { js: `${options.shebang === true ? "#!/usr/bin/env node\n" : ""}${requireShim}` },
    esbuildOptions(o) {
      o.conditions = ["@rollwise/source"]
    }
  }) as Options
}
