import { ESLint } from "eslint"
import { fileURLToPath } from "node:url"
import { join } from "node:path"
import { createProjectGraphAsync } from "@nx/devkit"
import { beforeAll, describe, expect, it } from "vitest"

/**
 * The architecture rules only matter if they fail the build. Each case lints a
 * probe source as if it sat in a real project's src/ and checks the rule that
 * must (or must not) fire. The probes exist only in memory.
 */
const workspaceRoot = fileURLToPath(new URL("../../../", import.meta.url))
const eslint = new ESLint({ cwd: workspaceRoot })

const lint = async (projectFile: string, code: string) => {
  const [result] = await eslint.lintText(code, { filePath: join(workspaceRoot, projectFile) })
  return (result?.messages ?? []).map((m) => ({ ruleId: m.ruleId, message: m.message }))
}

describe("architecture lint rules (real ESLint, real workspace config)", () => {
  // @nx/enforce-module-boundaries reads the cached project graph; make sure it exists
  beforeAll(async () => {
    await createProjectGraphAsync({ exitOnError: false })
  }, 60_000)

  it("a platform:any lib importing node:fs fails lint", async () => {
    const messages = await lint(
      "libs/stats-core/src/__probe__.ts",
      `import { readFileSync } from "node:fs"\nexport const probe = readFileSync\n`
    )
    expect(messages).toContainEqual(expect.objectContaining({ ruleId: "no-restricted-imports" }))
  })

  it("a platform:any lib importing a bare Node built-in (fs) fails lint", async () => {
    const messages = await lint(
      "libs/stats-core/src/__probe__.ts",
      `import * as fs from "fs"\nexport const probe = fs\n`
    )
    expect(messages).toContainEqual(expect.objectContaining({ ruleId: "no-restricted-imports" }))
  })

  it("a type:pure lib importing a node-only package fails lint", async () => {
    const messages = await lint(
      "libs/stats-core/src/__probe__.ts",
      `import * as NodeRuntime from "@effect/platform-node/NodeRuntime"\nexport const probe = NodeRuntime\n`
    )
    expect(messages).toContainEqual(expect.objectContaining({ ruleId: "@nx/enforce-module-boundaries" }))
  })

  it("a type:pure lib importing an app fails lint", async () => {
    const messages = await lint(
      "libs/stats-core/src/__probe__.ts",
      `import { command } from "@rollwise/cli"\nexport const probe = command\n`
    )
    expect(messages).toContainEqual(expect.objectContaining({ ruleId: "@nx/enforce-module-boundaries" }))
  })

  it("the same imports are allowed in a platform:node app", async () => {
    const messages = await lint(
      "apps/cli/src/__probe__.ts",
      `import { readFileSync } from "node:fs"\nimport * as NodeRuntime from "@effect/platform-node/NodeRuntime"\nexport const probe = [readFileSync, NodeRuntime]\n`
    )
    expect(messages).toEqual([])
  })

  it("a pure lib importing effect passes", async () => {
    const messages = await lint(
      "libs/stats-core/src/__probe__.ts",
      `import { Schema } from "effect"\nexport const probe = Schema.Number\n`
    )
    expect(messages).toEqual([])
  })
})
