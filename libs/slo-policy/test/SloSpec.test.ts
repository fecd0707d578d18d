import { Effect, Exit } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { DurationText, SloSpec } from "../src/index.ts"

const example = parse(readFileSync(new URL("./fixtures/slo.yaml", import.meta.url), "utf8")) as Record<string, unknown>

const errorOf = async (input: unknown) => {
  const exit = await Effect.runPromiseExit(SloSpec.decode(input))
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return String((exit.cause.reasons[0] as { error?: { message: string } }).error?.message)
}

describe("SloSpec", () => {
  it("accepts the documented example and fills defaults", async () => {
    const spec = await Effect.runPromise(SloSpec.decode(example))
    expect(spec.windowSeconds).toBe(120)
    expect(spec.onNoDecision).toBe("promote-if-no-harm")
    expect(spec.metrics.map((m) => [m.name, m.kind, m.critical, m.failAfter, m.weight])).toEqual([
      ["latency", "continuous", false, 2, 1],
      ["error-rate", "ratio", false, 2, 1],
      ["restarts", "counter", true, 2, 1]
    ])
    expect(spec.metrics[2]!.tolerance).toBe(0.1)
    expect(SloSpec.defaultMinSamples(spec.metrics[1]!)).toBe(20)
  })

  it.each([
    [{ window: "2 minutes" }, 'slo.yaml: window: expected a duration like 30s, 2m or 1h, got "2 minutes"'],
    [{ apiVersion: "rollwise/v2" }, "slo.yaml: apiVersion: expected"],
    [{ promoteAfter: 11 }, "slo.yaml: promoteAfter: 11 healthy windows can never happen within maxWindows 10"],
    [{ maxWindows: 0 }, "slo.yaml: maxWindows: expected"],
    [{ metrics: [] }, "slo.yaml: metrics[0]: required field is missing"],
    [{ extra: true }, "slo.yaml: extra: unknown field (not in the schema)"]
  ])("rejects %j with one line naming the field", async (patch, message) => {
    const text = await errorOf({ ...example, ...patch })
    expect(text.startsWith(message)).toBe(true)
    expect(text).not.toContain("\n")
  })

  it("rejects a spec whose every metric weighs 0 (every verdict would score 0)", async () => {
    const metrics = example["metrics"] as Array<Record<string, unknown>>
    expect(await errorOf({ ...example, metrics: metrics.map((m) => ({ ...m, weight: 0 })) })).toBe(
      "slo.yaml: metrics: every metric has weight 0, so every verdict would score 0; give at least one metric a weight above 0"
    )
  })

  it("rejects duplicate metric names and unknown metric fields", async () => {
    const metrics = example["metrics"] as Array<Record<string, unknown>>
    expect(await errorOf({ ...example, metrics: [metrics[0], metrics[0]] })).toBe(
      'slo.yaml: metrics[1].name: duplicate metric name "latency"'
    )
    expect(await errorOf({ ...example, metrics: [{ ...metrics[0], treshold: 1 }] })).toBe(
      "slo.yaml: metrics[0].treshold: unknown field (not in the schema)"
    )
  })
})

describe("Duration", () => {
  it.each([
    ["30s", 30],
    ["2m", 120],
    ["1h30m", 5400],
    ["1w", 604800],
    ["1d2h", 93600],
    ["0s", undefined],
    ["1m1h", undefined],
    ["1.5m", undefined],
    ["", undefined],
    ["10", undefined]
  ])("%s is %s seconds", (text, seconds) => {
    expect(DurationText.parseSeconds(text)).toBe(seconds)
  })

  it("formats back to the shortest form", () => {
    expect(DurationText.format(120)).toBe("2m")
    expect(DurationText.format(5400)).toBe("1h30m")
    expect(DurationText.parseSeconds(DurationText.format(93_784))).toBe(93_784)
  })
})

describe("the shipped example", () => {
  it("examples/slo.yaml is the documented example and the scenarios' spec", async () => {
    const { specDocument } = await import("../bench/scenarios.ts")
    const shipped = parse(readFileSync(new URL("../../../examples/slo.yaml", import.meta.url), "utf8"))
    expect(shipped).toEqual(example)
    expect(await Effect.runPromise(SloSpec.decode(shipped))).toEqual(await Effect.runPromise(SloSpec.decode(specDocument)))
  })
})
