// @ts-check
/**
 * `nx g @rollwise/workspace-plugin:lib <name> --type pure --platform any --description "…"`
 *
 * Stamps out libs/<name> in the layout STYLE.md describes: one public
 * `src/index.ts`, private `src/internal/`, tests in `test/`, Nx tags in two
 * dimensions, exports that block deep imports, and the shared build/test config.
 * Plain CommonJS so Nx can load it without a TypeScript loader.
 */
const { formatFiles, joinPathFragments, names } = require("@nx/devkit")

/** @param {string} s */
const json = (s) => JSON.stringify(s, null, 2) + "\n"

/**
 * @param {import("@nx/devkit").Tree} tree
 * @param {{ name: string, type: "pure"|"ports"|"adapter"|"contract", platform: "any"|"node", description: string, testing?: boolean }} options
 */
async function libGenerator(tree, options) {
  const root = joinPathFragments("libs", options.name)
  if (tree.exists(root)) {
    throw new Error(`libs/${options.name} already exists`)
  }
  if (options.type === "pure" && options.platform !== "any") {
    throw new Error("a pure lib runs anywhere: use --platform any")
  }
  const pkgName = `@rollwise/${options.name}`
  const className = names(options.name).className
  const entries = { index: "src/index.ts" }
  /** @type {Record<string, unknown>} */
  const exportsField = {
    ".": { "@rollwise/source": "./src/index.ts", types: "./dist/index.d.ts", default: "./dist/index.js" }
  }
  if (options.testing) {
    Object.assign(entries, { testing: "src/testing.ts" })
    exportsField["./testing"] = {
      "@rollwise/source": "./src/testing.ts",
      types: "./dist/testing.d.ts",
      default: "./dist/testing.js"
    }
  }

  tree.write(
    joinPathFragments(root, "package.json"),
    json(
      /** @type {any} */ ({
        name: pkgName,
        version: "0.1.0",
        private: true,
        description: options.description,
        type: "module",
        sideEffects: false,
        exports: exportsField
      })
    )
  )
  tree.write(
    joinPathFragments(root, "project.json"),
    json(
      /** @type {any} */ ({
        name: options.name,
        $schema: "../../node_modules/nx/schemas/project-schema.json",
        sourceRoot: `${root}/src`,
        projectType: "library",
        tags: [`type:${options.type}`, `platform:${options.platform}`],
        targets: { build: {}, typecheck: {}, lint: {}, test: {} }
      })
    )
  )
  tree.write(
    joinPathFragments(root, "tsconfig.json"),
    json(
      /** @type {any} */ ({
        extends: "../../tsconfig.base.json",
        compilerOptions: { types: options.platform === "node" ? ["node"] : [] },
        include: ["src/**/*.ts", "test/**/*.ts", "bench/**/*.ts", "*.config.ts"]
      })
    )
  )
  tree.write(
    joinPathFragments(root, "tsup.config.ts"),
    `import { libConfig } from "../../tools/build/tsup.lib.ts"\n\nexport default libConfig(${JSON.stringify(entries)})\n`
  )
  tree.write(
    joinPathFragments(root, "vitest.config.ts"),
    `import { defineProject, mergeConfig } from "vitest/config"\nimport { sharedConfig } from "../../vitest.shared.ts"\n\nexport default mergeConfig(sharedConfig, defineProject({ test: { name: ${JSON.stringify(options.name)} } }))\n`
  )
  tree.write(
    joinPathFragments(root, "src/index.ts"),
    `/**\n * ${options.description}\n *\n * @since 0.1.0\n */\nexport * as ${className} from "./${className}.ts"\n`
  )
  tree.write(
    joinPathFragments(root, `src/${className}.ts`),
    `/**\n * ${options.description}\n */\nexport {}\n`
  )
  if (options.testing) {
    tree.write(
      joinPathFragments(root, "src/testing.ts"),
      `/**\n * Test support for ${pkgName}: in-memory layers and contract suites.\n */\nexport {}\n`
    )
  }
  tree.write(joinPathFragments(root, "src/internal/.gitkeep"), "")
  tree.write(joinPathFragments(root, "test/fixtures/.gitkeep"), "")
  tree.write(
    joinPathFragments(root, "README.md"),
    `# ${pkgName}\n\n${options.description}\n\nKind: \`type:${options.type}\`, \`platform:${options.platform}\`.\n\n## Use\n\n\`\`\`ts\nimport { ${className} } from "${pkgName}"\n\`\`\`\n\n## Develop\n\n\`\`\`sh\nnpx nx run-many -p ${options.name} -t lint typecheck test build\n\`\`\`\n`
  )
  await formatFiles(tree)
}

module.exports = libGenerator
module.exports.default = libGenerator
