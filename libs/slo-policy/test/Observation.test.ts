import { Effect, Exit } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { parse as parseYaml } from "yaml"
import { Observation, SloSpec } from "../src/index.ts"

const spec = Effect.runSync(SloSpec.decode(parseYaml(readFileSync(new URL("./fixtures/slo.yaml", import.meta.url), "utf8"))))
const ndjson = (...lines: ReadonlyArray<unknown>) => lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n")

const errorOf = async (text: string) => {
  const exit = await Effect.runPromiseExit(Observation.parse(text, spec, "obs.ndjson"))
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return String((exit.cause.reasons[0] as { error?: { message: string } }).error?.message)
}

describe("Observation.parse", () => {
  it("groups lines in any order by release and window", async () => {
    const text = ndjson(
      { release: "r2", window: 0, metric: "latency", track: "candidate", values: [0.2, null, 0.3] },
      { window: 1, metric: "error-rate", track: "baseline", errors: 1, total: 1000 },
      "",
      { window: 0, metric: "error-rate", track: "candidate", errors: 3, total: 900 },
      { window: 0, metric: "restarts", track: "candidate", values: [0] }
    )
    const releases = await Effect.runPromise(Observation.parse(text, spec))
    expect(releases.map((r) => [r.id, r.windows.length])).toEqual([
      ["r2", 1],
      ["release", 2]
    ])
    const latency = releases[0]!.windows[0]!.metrics.get("latency")!
    expect(latency.baseline).toBeUndefined()
    expect(latency.candidate).toEqual({ _tag: "Values", values: [0.2, Number.NaN, 0.3] })
    expect(releases[1]!.windows[0]!.metrics.get("error-rate")!.candidate).toEqual({ _tag: "Counts", errors: 3, total: 900 })
  })

  it.each([
    [["{not json"], "obs.ndjson: line 1: not valid JSON"],
    [[{ window: 0, metric: "cpu", track: "candidate", values: [1] }], 'obs.ndjson: line 1: metric: unknown metric "cpu"; slo.yaml defines latency, error-rate, restarts'],
    [[{ window: 0, metric: "error-rate", track: "candidate", errors: -1, total: 10 }], "obs.ndjson: line 1: errors: expected"],
    [[{ window: 0, metric: "error-rate", track: "candidate", errors: 11, total: 10 }], "obs.ndjson: line 1: errors: 11 errors out of 10 requests"],
    [[{ window: 0, metric: "error-rate", track: "candidate", values: [1] }], 'obs.ndjson: line 1: values: metric "error-rate" is a ratio'],
    [[{ window: 0, metric: "latency", track: "candidate", errors: 1, total: 2 }], 'obs.ndjson: line 1: errors: metric "latency" is continuous'],
    [[{ window: 0, metric: "latency", track: "canary", values: [1] }], "obs.ndjson: line 1: track: expected"],
    [[{ window: -1, metric: "latency", track: "candidate", values: [1] }], "obs.ndjson: line 1: window: expected"],
    [
      [{ window: 0, metric: "latency", track: "candidate", values: [1] }, { window: 0, metric: "latency", track: "candidate", values: [2] }],
      'obs.ndjson: line 2: duplicate observation for release "release", window 0, metric "latency", candidate'
    ],
    [
      [{ window: 0, metric: "latency", track: "candidate", values: [1] }, { window: 2, metric: "latency", track: "candidate", values: [1] }],
      'obs.ndjson: window: release "release": window 1 is missing (windows 0, 2 given'
    ]
  ])("rejects %j", async (lines, message) => {
    const text = await errorOf(ndjson(...lines))
    expect(text.startsWith(message), text).toBe(true)
    expect(text).not.toContain("\n")
  })

  it("an empty file has no releases", async () => {
    expect(await Effect.runPromise(Observation.parse("\n\n", spec))).toEqual([])
  })
})
