import { LiveAnalysis } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { ArgoJudge } from "../src/index.ts"
import { scenarioSource } from "../src/testing.ts"
import { byName, spec } from "./helpers.ts"

describe("scenarioSource", () => {
  // the data repeats every 16 windows, so 48 ends at odd offsets cover every case any clock can produce
  it.each([
    ["healthy", "promote"],
    ["regressing", "rollback"],
    ["silent", "slow"]
  ])("gives %s canaries the decision %s whatever the time", async (service, action) => {
    const actions = new Set<string>()
    for (let k = 0; k < 48; k++) {
      const end = 1_800_000_000_000 + k * 60_000 + (k % 7) * 1234
      const reports = await Effect.runPromise(
        LiveAnalysis.analyzeTrailing(ArgoJudge.specFor(spec, { service, namespace: "x", canaryHash: "a", stableHash: "b", slo: "checkout" }), end, 3).pipe(
          Effect.provide(scenarioSource(byName))
        )
      )
      actions.add(reports.at(-1)!.verdict.action)
    }
    expect([...actions]).toEqual([action])
  })
})
