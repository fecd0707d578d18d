import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { Assess, SloSpec } from "../src/index.ts"

/**
 * Kayenta's classifier cases (testdata/kayenta-fixtures.json, from
 * Kayenta's own test suite) through Rollwise's per-window assessment. Our
 * classification: Nodata when the window is nodata; High when the metric
 * fails as lower-is-better; Low when it fails as higher-is-better ("Either"
 * checks both); otherwise Pass (a marginal hold is not a failure).
 *
 * Where we decide differently on purpose, the case is listed in `deviations`
 * with the reason, and the test asserts our answer — so every difference is
 * deliberate and a new one fails the test.
 */
interface Case {
  readonly name: string
  readonly direction: "Either" | "Increase" | "Decrease"
  readonly nan_strategy: string
  readonly is_critical_metric: boolean
  readonly control: ReadonlyArray<number | "NaN">
  readonly experiment: ReadonlyArray<number | "NaN">
  readonly expected_classification: "Pass" | "High" | "Low" | "Nodata" | null
}
const fixtures = JSON.parse(readFileSync(new URL("../../../testdata/kayenta-fixtures.json", import.meta.url), "utf8")) as {
  readonly classifier_cases: ReadonlyArray<Case>
}

const deviations: Readonly<Record<string, { readonly ours: string; readonly why: string }>> = {
  "Mann-Whitney Classifier Test - Mean Ratio Effect Size: Pass (Large Input)": {
    ours: "High",
    why: "Kayenta's effect-size gate (mean ratio below 5.0) suppresses a significant 4× increase of the mean; Rollwise judges the shift against the relative tolerance and fails it"
  },
  "Mann-Whitney Classifier Test - Critical Effect Size: Pass": {
    ours: "High",
    why: "the same gate (ratio below 13) passes a ~12× increase; a 12× slower candidate is a failure for us"
  },
  "Mann-Whitney Tied Observations": {
    ours: "Nodata",
    why: "2 and 3 samples are fewer than minSamples (5): too little data is nodata, never a pass"
  },
  "Mann-Whitney Missing Experiment Data with NaN Replacement": {
    ours: "Nodata",
    why: "Kayenta can replace missing values with 0 and then passes; Rollwise never invents data: no candidate samples is nodata"
  },
  "Mann-Whitney Missing Data: Reason String": {
    ours: "Nodata",
    why: "Kayenta's case checks only its reason text (no classification); both samples empty is nodata for us"
  }
}

const assess = (c: Case, direction: "lower" | "higher") => {
  const spec = Effect.runSync(
    SloSpec.decode({
      apiVersion: "rollwise/v1",
      kind: "SloSpec",
      service: "kayenta",
      window: "1m",
      // the absolute threshold is out of reach: these cases are about the comparison alone
      metrics: [{ name: "m", kind: "continuous", direction, threshold: direction === "lower" ? 1e12 : -1e12, critical: c.is_critical_metric }]
    })
  )
  const values = (xs: ReadonlyArray<number | "NaN">) => xs.map((v) => (v === "NaN" ? Number.NaN : v))
  return Assess.assess(spec.metrics[0]!, {
    baseline: { _tag: "Values", values: values(c.control) },
    candidate: { _tag: "Values", values: values(c.experiment) }
  }).verdict
}

const classify = (c: Case): string => {
  const up = c.direction === "Decrease" ? undefined : assess(c, "lower")
  const down = c.direction === "Increase" ? undefined : assess(c, "higher")
  if (up?.status === "nodata" || down?.status === "nodata") return "Nodata"
  if (up?.status === "fail") return "High"
  if (down?.status === "fail") return "Low"
  return "Pass"
}

describe("Kayenta classifier fixtures through Rollwise's assessment", () => {
  it("covers every case in the file", () => {
    expect(fixtures.classifier_cases.length).toBe(37)
  })

  it.each(fixtures.classifier_cases.map((c) => [c.name, c] as const))("%s", (name, c) => {
    const ours = classify(c)
    const deviation = deviations[name]
    if (deviation !== undefined) {
      expect(ours, deviation.why).toBe(deviation.ours)
      expect(ours).not.toBe(c.expected_classification)
    } else {
      expect(ours).toBe(c.expected_classification)
    }
  })

  it("every listed deviation names a real case", () => {
    const names = new Set(fixtures.classifier_cases.map((c) => c.name))
    for (const name of Object.keys(deviations)) expect(names.has(name), name).toBe(true)
  })
})
