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

  it("a type:pure lib importing an adapter fails lint", async () => {
    const messages = await lint(
      "libs/slo-policy/src/__probe__.ts",
      `import { GitChanges } from "@rollwise/changes-git"\nexport const probe = GitChanges\n`
    )
    expect(messages).toContainEqual(expect.objectContaining({ ruleId: "@nx/enforce-module-boundaries" }))
  })

  it("an adapter importing another adapter fails lint", async () => {
    const messages = await lint(
      "libs/gate-opa/src/__probe__.ts",
      `import { PrometheusSource } from "@rollwise/source-prometheus"\nexport const probe = PrometheusSource\n`
    )
    expect(messages).toContainEqual(expect.objectContaining({ ruleId: "@nx/enforce-module-boundaries" }))
  })

  it("an adapter's src may not import a test tool, though its tests may", async () => {
    const src = await lint(
      "libs/source-prometheus/src/__probe__.ts",
      `import { startPrometheus } from "@rollwise/prometheus-harness"\nexport const probe = startPrometheus\n`
    )
    expect(src).toContainEqual(expect.objectContaining({ ruleId: "@nx/enforce-module-boundaries" }))
    const test = await lint(
      "libs/source-prometheus/test/__probe__.test.ts",
      `import { startPrometheus } from "@rollwise/prometheus-harness"\nexport const probe = startPrometheus\n`
    )
    expect(test).toEqual([])
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
