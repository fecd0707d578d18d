import { describe, expect, it } from "vitest"
import * as ArmCohorts from "../src/ArmCohorts.ts"
import { render } from "../src/Dashboards.ts"
import { exported, wanted } from "../src/Metrics.ts"
import { rulesDir } from "../src/Paths.ts"
import { check, expressions, metricNames } from "../src/PromqlCheck.ts"

const titles = (d: ReturnType<typeof ArmCohorts.build>) => ((d.panels ?? []) as unknown as Array<{ title: string }>).map((p) => p.title)
const wantedNames = wanted.map((w) => w.name)

describe("ARM Cohorts: cohort panels wait for their metrics", () => {
  it("today names every missing cohort metric and queries none of them", () => {
    expect(ArmCohorts.missingFor(exported()).sort()).toEqual([...wantedNames].sort())
    const d = ArmCohorts.build()
    expect(titles(d)).toContain("Cohort progress, device failures, OTA success: metrics needed")
    expect(titles(d)).not.toContain("Cohort progress")
    const used = expressions("arm-cohorts", d).flatMap((e) => metricNames(e.expr))
    for (const name of wantedNames) expect(used).not.toContain(name)
    for (const name of wantedNames) expect(render(d)).toContain(name)
  })

  it("builds the cohort panels once the metrics are exported, and their PromQL parses and names only those metrics (real promtool)", () => {
    const available = new Set([...exported(), ...wantedNames])
    expect(ArmCohorts.missingFor(available)).toEqual([])
    const d = ArmCohorts.build(available)
    expect(titles(d)).toEqual(expect.arrayContaining(["Cohort progress", "Device failures by cohort", "OTA success (range)", "Crash ratio: candidate vs baseline"]))
    expect(titles(d)).not.toContain("Cohort progress, device failures, OTA success: metrics needed")
    expect(check([{ name: "arm-cohorts", dashboard: d }], { rulesDir, alsoKnown: wantedNames })).toEqual([])
    // without the names, the same panels fail the check: the check is what keeps them out today
    const problems = check([{ name: "arm-cohorts", dashboard: d }], { rulesDir })
    expect(problems.length).toBeGreaterThanOrEqual(wantedNames.length)
    for (const name of wantedNames) expect(problems.join("\n")).toContain(`unknown metric "${name}"`)
  })
})
