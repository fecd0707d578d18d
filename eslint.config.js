// @ts-check
import nx from "@nx/eslint-plugin"
import { builtinModules } from "node:module"
import { readdirSync, readFileSync, existsSync } from "node:fs"
import { join } from "node:path"

/**
 * Architecture rules, driven by the Nx tags in each project's project.json:
 *  - type:pure|ports|adapter|contract|app say which projects may depend on which
 *    (@nx/enforce-module-boundaries);
 *  - platform:any forbids Node built-ins in a project's src (Nx's rule ignores
 *    built-ins, so `no-restricted-imports` does that part).
 * `tools/lint-check` proves both bite.
 */
const workspaceRoot = import.meta.dirname
/** @param {string} tag */
const projectsTagged = (tag) =>
  ["libs", "apps"].flatMap((dir) => {
    const abs = join(workspaceRoot, dir)
    if (!existsSync(abs)) return []
    return readdirSync(abs)
      .filter((name) => existsSync(join(abs, name, "project.json")))
      .filter((name) => (JSON.parse(readFileSync(join(abs, name, "project.json"), "utf8")).tags ?? []).includes(tag))
      .map((name) => `${dir}/${name}`)
  })

const nodeBuiltins = [...new Set(builtinModules.flatMap((m) => [m, `node:${m}`]))]
const nodeOnlyPackages = ["@effect/platform-node", "@effect/platform-node/*", "@kubernetes/*", "better-sqlite3", "undici", "ssh2"]

/**
 * Which kinds may depend on which: pure < ports < contract < adapter <
 * service < app, adapters never on each other; a `service` lib composes
 * adapters into something two apps share (the HTTP server behind both
 * `rollwise serve` and apps/http-api); `extra` tags are allowed for every
 * kind (tests may use workspace tools).
 * @param {ReadonlyArray<string>} extra
 */
const layering = (extra = []) => [
  { sourceTag: "type:pure", onlyDependOnLibsWithTags: ["type:pure", ...extra], bannedExternalImports: nodeOnlyPackages },
  { sourceTag: "type:ports", onlyDependOnLibsWithTags: ["type:pure", "type:ports", ...extra] },
  { sourceTag: "type:contract", onlyDependOnLibsWithTags: ["type:pure", "type:ports", "type:contract", ...extra] },
  { sourceTag: "type:adapter", onlyDependOnLibsWithTags: ["type:pure", "type:ports", "type:contract", ...extra] },
  { sourceTag: "type:service", onlyDependOnLibsWithTags: ["type:pure", "type:ports", "type:contract", "type:adapter", "type:service", ...extra] },
  { sourceTag: "type:app", onlyDependOnLibsWithTags: ["type:pure", "type:ports", "type:contract", "type:adapter", "type:service", ...extra] }
]

export default [
  ...nx.configs["flat/base"],
  ...nx.configs["flat/typescript"],
  {
    // tsup writes *.bundled_*.mjs beside its config while a build runs; a lint running beside it must not read them
    ignores: ["**/dist", "**/node_modules", "**/.nx", "**/coverage", "tools/lint-check/fixtures/**", "**/*.bundled_*.mjs"]
  },
  {
    files: ["**/*.ts"],
    rules: {
      "@nx/enforce-module-boundaries": [
        "error",
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            ...layering(),
            { sourceTag: "type:tool", onlyDependOnLibsWithTags: ["*"] },
            { sourceTag: "platform:any", onlyDependOnLibsWithTags: ["platform:any"] }
          ]
        }
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      // noUncheckedIndexedAccess makes `xs[i]!` the honest idiom in numeric loops
      "@typescript-eslint/no-non-null-assertion": "off"
    }
  },
  {
    files: [...projectsTagged("platform:any").map((root) => `${root}/src/**/*.ts`), "tools/lint-check/fixtures/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: "platform:any code runs anywhere: no Node built-ins here (move I/O to an adapter)."
          })),
          patterns: [{ group: ["node:*"], message: "platform:any code runs anywhere: no Node built-ins here." }]
        }
      ]
    }
  },
  {
    // tests may use workspace tools (the real-Prometheus harness, lint probes)
    files: ["**/test/**/*.ts", "**/bench/**/*.ts"],
    rules: {
      "@nx/enforce-module-boundaries": [
        "error",
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [...layering(["type:tool"]), { sourceTag: "type:tool", onlyDependOnLibsWithTags: ["*"] }]
        }
      ]
    }
  },
  {
    // build and test configuration reach into the workspace's shared config by path
    files: ["**/*.config.ts", "tools/build/**/*.ts"],
    rules: { "@nx/enforce-module-boundaries": "off" }
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" }
  }
]
