import { fc, test } from "@fast-check/vitest"
import { Random } from "@rollwise/stats-core"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { Analyzer, Assess, Observation, SloSpec } from "../src/index.ts"

const decode = (metrics: ReadonlyArray<Record<string, unknown>>, extra: Record<string, unknown> = {}) =>
  Effect.runSyncExit(SloSpec.decode({ apiVersion: "rollwise/v1", kind: "SloSpec", service: "checkout", window: "2m", metrics, ...extra }))

const specOf = (metrics: ReadonlyArray<Record<string, unknown>>, extra: Record<string, unknown> = {}) => {
  const exit = decode(metrics, extra)
  if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
  return exit.value
}

const failure = (metrics: ReadonlyArray<Record<string, unknown>>) => {
  const exit = decode(metrics)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return String((exit.cause.reasons[0] as { error?: { message: string } }).error?.message)
}

const newErrors = { name: "new-errors", kind: "signatures", source: "loki", query: '{app="{{service}}", track="{{track}}"} |= "ERROR"', threshold: 0, tolerance: 1, critical: true }

/**
 * One track's error lines over a window: a known warning about 1 in 100
 * requests (times `warnFactor`), a timeout about 1 in 500, and, when
 * `newShare` is set, a NullPointerException in that share of requests.
 */
const errorLines = (seed: number, requests: number, options: { readonly warnFactor?: number; readonly newShare?: number } = {}) => {
  const random = Random.mulberry32(seed)
  const lines: Array<string> = []
  for (let i = 0; i < requests; i++) {
    const id = Math.floor(random() * 1e9).toString(16)
    if (random() < 0.01 * (options.warnFactor ?? 1)) lines.push(`WARN cache miss for cart ${id} after ${Math.floor(random() * 90) + 10} ms`)
    if (random() < 0.002) lines.push(`ERROR upstream timeout calling pricing for order ${id}`)
    if (options.newShare !== undefined && random() < options.newShare) lines.push(`ERROR java.lang.NullPointerException at com.shop.Cart.total(Cart.java:${80 + Math.floor(random() * 3)}) order ${id}`)
  }
  return { _tag: "Lines" as const, lines, total: requests }
}

// 100 req/s over a 2-minute window, 10 % of it to the canary
const baselineRequests = 10_800
const candidateRequests = 1200

describe("slo.yaml: sources and signatures metrics", () => {
  it("decodes log and trace metrics with their source", () => {
    const spec = specOf([
      newErrors,
      { name: "es-errors", kind: "ratio", source: "elasticsearch", index: "logs-{{service}}-*", errorsQuery: "level:error", totalQuery: "*", threshold: 0.01 },
      { name: "span-latency", kind: "continuous", source: "jaeger", operation: "GET /cart", tags: { track: "{{track}}" }, threshold: 0.5 },
      { name: "latency", kind: "continuous", query: "x", threshold: 0.5 }
    ])
    expect(spec.metrics.map((m) => m.source)).toEqual(["loki", "elasticsearch", "jaeger", "prometheus"])
  })

  it.each([
    [{ ...newErrors, source: "prometheus" }, "metrics[0].source: a signatures metric mines log lines, so its source must be loki or elasticsearch, not prometheus"],
    [{ ...newErrors, direction: "higher" }, "metrics[0].direction: a signatures metric counts new error signatures: lower is better"],
    [{ name: "x", kind: "ratio", source: "loki", index: "logs", threshold: 1 }, "metrics[0].index: only an elasticsearch metric reads an index or field; this one's source is loki"],
    [{ name: "x", kind: "ratio", source: "tempo", tags: { a: "b" }, threshold: 1 }, "metrics[0].tags: only a jaeger metric selects spans by operation and tags"],
    [{ name: "x", kind: "continuous", source: "loki", maxLines: 10, threshold: 1 }, "metrics[0].maxLines: only a signatures metric reads log lines"],
    [{ name: "x", kind: "counter", source: "jaeger", threshold: 1 }, "metrics[0].kind: a jaeger metric is continuous (span durations) or ratio (error spans among spans)"],
    [{ name: "x", kind: "continuous", source: "graphite", threshold: 1 }, "metrics[0].source"]
  ])("refuses %j with one line naming the field", (metric, message) => {
    expect(failure([metric])).toContain(message)
  })
})

describe("Observation.parse: log lines", () => {
  const spec = specOf([newErrors, { name: "latency", kind: "continuous", threshold: 1 }])
  const parse = (...lines: ReadonlyArray<unknown>) => Effect.runSyncExit(Observation.parse(lines.map((l) => JSON.stringify(l)).join("\n"), spec, "obs.ndjson"))
  const message = (exit: Exit.Exit<unknown, unknown>) => {
    if (Exit.isSuccess(exit)) throw new Error("expected a failure")
    return String((exit.cause.reasons[0] as { error?: { message: string } }).error?.message)
  }

  it("reads lines with a total (default: the number of lines)", () => {
    const exit = parse({ window: 0, metric: "new-errors", track: "candidate", lines: ["a", "b"], total: 40 }, { window: 0, metric: "new-errors", track: "baseline", lines: ["a"] })
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    const w = exit.value[0]!.windows[0]!.metrics.get("new-errors")!
    expect(w.candidate).toEqual({ _tag: "Lines", lines: ["a", "b"], total: 40 })
    expect(w.baseline).toEqual({ _tag: "Lines", lines: ["a"], total: 1 })
  })

  it.each([
    [{ window: 0, metric: "latency", track: "candidate", lines: ["a"] }, 'obs.ndjson: line 1: lines: metric "latency" is continuous: give "values", not log lines'],
    [{ window: 0, metric: "new-errors", track: "candidate", values: [1] }, 'obs.ndjson: line 1: values: metric "new-errors" is signatures: give "lines"'],
    [{ window: 0, metric: "new-errors", track: "candidate", errors: 1, total: 2 }, 'obs.ndjson: line 1: errors: metric "new-errors" is signatures'],
    [{ window: 0, metric: "new-errors", track: "candidate", lines: ["a", "b"], total: 1 }, "obs.ndjson: line 1: total: 2 lines but a total of 1"]
  ])("refuses %j", (line, expected) => {
    expect(message(parse(line))).toContain(expected)
  })
})

describe("Assess.signatures", () => {
  const metric = specOf([newErrors]).metrics[0]!

  it("a new exception in 0.5 % of the canary's requests fails, quoting the template and an example line", () => {
    // about 6 occurrences a window: most windows show enough of them to be sure, a few do not
    const verdicts = Array.from({ length: 20 }, (_, seed) =>
      Assess.assess(metric, { baseline: errorLines(1000 + seed, baselineRequests), candidate: errorLines(2000 + seed, candidateRequests, { newShare: 0.005 }) }).verdict
    )
    const failed = verdicts.filter((v) => v.status === "fail")
    expect(failed.length).toBeGreaterThanOrEqual(12)
    for (const v of failed) {
      expect(v.reason).toMatch(/new error signature “ERROR java\.lang\.NullPointerException at <\*>.*, e\.g\. “ERROR java\.lang\.NullPointerException at com\.shop\.Cart\.total\(Cart\.java:8\d\) order [0-9a-f]+”/)
      expect(v.candidate).toBe(1)
    }
    expect(verdicts.every((v) => v.status === "fail" || v.status === "pass")).toBe(true)
  })

  it("a known warning half again as frequent stays within a tolerance of 1 (×2)", () => {
    for (let seed = 0; seed < 20; seed++) {
      const a = Assess.assess(metric, { baseline: errorLines(100 + seed, baselineRequests), candidate: errorLines(200 + seed, candidateRequests, { warnFactor: 1.5 }) })
      expect(a.verdict.status, a.verdict.reason).toBe("pass")
    }
  })

  it("a window without error lines but with traffic is healthy; without exposure it is nodata", () => {
    const empty = { _tag: "Lines" as const, lines: [], total: 500 }
    expect(Assess.assess(metric, { baseline: empty, candidate: empty }).verdict.status).toBe("pass")
    expect(Assess.assess(metric, { baseline: empty, candidate: { _tag: "Lines", lines: [], total: 0 } }).verdict.status).toBe("nodata")
    expect(Assess.assess(metric, { baseline: empty }).verdict.status).toBe("nodata")
    expect(Assess.assess(metric, { candidate: empty }).verdict.status).toBe("nodata")
  })

  it("a threshold of 1 lets one new signature pass and says so", () => {
    const lenient = { ...metric, threshold: 1 }
    const a = Assess.assess(lenient, { baseline: errorLines(1, baselineRequests), candidate: errorLines(2, candidateRequests, { newShare: 0.02 }) })
    expect(a.verdict.status).toBe("pass")
    expect(a.verdict.reason).toContain("within the 1 allowed")
  })

  test.prop([fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 })], { numRuns: 60 })(
    "more candidate lines of a template never make a gentler verdict",
    (seed, extra, more) => {
      const baseline = errorLines(seed, baselineRequests)
      const candidate = errorLines(seed + 1, candidateRequests)
      const add = (n: number) => ({ ...candidate, lines: [...candidate.lines, ...Array.from({ length: n }, (_, i) => `ERROR disk full on /var/data/${i}`)] })
      const before = Assess.assess(metric, { baseline, candidate: add(extra) }).verdict.status
      const after = Assess.assess(metric, { baseline, candidate: add(extra + more) }).verdict.status
      if (before === "fail") expect(after).toBe("fail")
    }
  )

  test.prop([fc.integer({ min: 0, max: 1000 })], { numRuns: 30 })("the same logs on both tracks never fail", (seed) => {
    const lines = errorLines(seed, 1000)
    expect(Assess.assess(metric, { baseline: lines, candidate: lines }).verdict.status).toBe("pass")
  })
})

describe("Analyzer with a critical signatures metric", () => {
  const spec = specOf([newErrors], { promoteAfter: 3, maxWindows: 6 })
  const release = (newShare?: number): Observation.Release => ({
    id: "r",
    windows: Array.from({ length: 6 }, (_, index) => ({
      index,
      metrics: new Map([["new-errors", { baseline: errorLines(10 + index, baselineRequests), candidate: errorLines(50 + index, candidateRequests, newShare === undefined ? {} : { newShare }) }]])
    }))
  })

  it("rolls back at the first window that shows the new exception", () => {
    const verdicts = Analyzer.run(spec, release(0.005))
    const first = verdicts.findIndex((v) => v.metrics[0]!.status === "fail")
    expect(first).toBeGreaterThanOrEqual(0)
    expect(first).toBeLessThan(3)
    expect(verdicts).toHaveLength(first + 1)
    expect(verdicts[first]!.action).toBe("rollback")
    expect(verdicts[first]!.reasons).toEqual(["critical metric new-errors failed: rolling back at once"])
    expect(verdicts[first]!.metrics[0]!.reason).toContain("NullPointerException")
  })

  it("promotes healthy logs", () => {
    expect(Analyzer.run(spec, release()).at(-1)!.action).toBe("promote")
  })
})

describe("signatures pooled over the last windows", () => {
  const spec = specOf([newErrors], { promoteAfter: 8, maxWindows: 8 })
  const release = (seed: number, newShare?: number): Observation.Release => ({
    id: "r",
    windows: Array.from({ length: 8 }, (_, index) => ({
      index,
      metrics: new Map([["new-errors", { baseline: errorLines(seed * 100 + index, baselineRequests), candidate: errorLines(seed * 100 + 50 + index, candidateRequests, newShare === undefined ? {} : { newShare }) }]])
    }))
  })

  it("an exception in 0.2 % of the canary's requests — about 2 a window, too few for one window — rolls back over several", () => {
    let caughtPooled = 0
    for (let seed = 1; seed <= 10; seed++) {
      const verdicts = Analyzer.run(spec, release(seed, 0.002))
      const last = verdicts.at(-1)!
      expect(last.action, `seed ${seed}`).toBe("rollback")
      if (last.metrics[0]!.reason.includes("over the last")) caughtPooled++
    }
    // most are caught only by pooling
    expect(caughtPooled).toBeGreaterThanOrEqual(5)
  })

  it("healthy logs never roll back, window after window (20 releases × 8 windows)", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const verdicts = Analyzer.run(spec, release(seed))
      expect(verdicts.some((v) => v.action === "rollback"), `seed ${seed}: ${verdicts.at(-1)!.metrics[0]!.reason}`).toBe(false)
    }
  })

  it("needs two windows; names its scope", () => {
    const metric = spec.metrics[0]!
    const w = { baseline: errorLines(1, baselineRequests), candidate: errorLines(2, candidateRequests, { newShare: 0.01 }) }
    expect(Assess.signaturesPooled(metric, [w], 8)).toBeUndefined()
    const pooled = Assess.signaturesPooled(metric, [w, w], 8)!
    expect(pooled.verdict.status).toBe("fail")
    expect(pooled.verdict.reason).toContain("in the baseline over the last 2 windows")
  })
})
