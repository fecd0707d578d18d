import { fc, test } from "@fast-check/vitest"
import { MetricSource } from "@rollwise/rollout-engine"
import { DurationText, SloSpec } from "@rollwise/slo-policy"
import { Effect, Exit } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PrometheusSource } from "../src/index.ts"

/**
 * The window/step checks, with no Prometheus: they must fail before any
 * request (the source below points at a closed port, so a request would be
 * `Unreachable`, not `Unsupported`).
 */
const spec = (window: string, step: string | undefined, kinds: ReadonlyArray<"continuous" | "counter" | "ratio"> = ["continuous", "counter"]) =>
  Effect.runSync(
    SloSpec.decode({
      apiVersion: "rollwise/v1",
      kind: "SloSpec",
      service: "checkout",
      window,
      ...(step === undefined ? {} : { step }),
      metrics: kinds.map((kind, i) =>
        kind === "ratio"
          ? { name: `m${i}`, kind, threshold: 0.01, errorsQuery: "sum(errors)", totalQuery: "sum(total)" }
          : { name: `m${i}`, kind, threshold: 1, query: 'sum(x{job="{{service}}"})' }
      )
    })
  )

const checkError = (s: SloSpec.Spec) => {
  const exit = Effect.runSyncExit(PrometheusSource.checkSpec(s))
  if (Exit.isSuccess(exit)) throw new Error("expected a LiveSpecError")
  return (exit.cause.reasons[0] as { error: PrometheusSource.LiveSpecError }).error
}

describe("PrometheusSource.checkSpec (at spec load)", () => {
  it("accepts the documented window and step", () => {
    expect(Effect.runSync(PrometheusSource.checkSpec(spec("2m", "10s")))).toBeUndefined()
    expect(Effect.runSync(PrometheusSource.checkSpec(spec("2m", undefined)))).toBeUndefined()
  })

  it("refuses a window shorter than the step, naming both and a step that works", () => {
    const error = checkError(spec("5s", "10s"))
    expect(error._tag).toBe("LiveSpecError")
    expect(error.reason).toBe("WindowShorterThanStep")
    expect(error.message).toBe(
      "window 5s is shorter than step 10s: a continuous metric would get no point in a window; set step to a divisor of the window (1s gives 5 points a window), or make the window a multiple of 10s"
    )
  })

  it("refuses a window that is not a whole number of steps", () => {
    const error = checkError(spec("2m", "7s"))
    expect(error.reason).toBe("WindowNotWholeSteps")
    expect(error.message).toBe(
      "window 2m is not a whole number of 7s steps: windows would get 17 points and leave 1s unsampled; set step to a divisor of the window (6s or 8s), or the window to 1m59s or 2m6s"
    )
  })

  it("refuses a window of more than 100 range queries of 11,000 points", () => {
    const error = checkError(spec("30d", "1s"))
    expect(error.reason).toBe("TooManyPoints")
    expect(error.message).toBe(
      "window 30d at step 1s is 2,592,000 points per series, more than the 1,100,000 (100 range queries of Prometheus's 11,000) a window may take; set step to 3s or more"
    )
  })

  it("accepts a long window that needs several range queries", () => {
    expect(Effect.runSync(PrometheusSource.checkSpec(spec("1d", "1s")))).toBeUndefined()
  })

  it("does not care about the step when no metric is continuous (counters and ratios are instant queries)", () => {
    expect(Effect.runSync(PrometheusSource.checkSpec(spec("1s", "10s", ["counter", "ratio"])))).toBeUndefined()
  })

  /** The steps and windows a message suggests, as seconds. */
  const suggestions = (message: string) => {
    const fix = message.slice(message.indexOf(";"))
    const steps = [...(fix.match(/set step to (?:a divisor of the window \(([^)]*)\)|(\S+) or more)/) ?? [])].slice(1).filter(Boolean).join(" ")
    const windows = fix.match(/the window to (.*)$/)?.[1] ?? ""
    const durations = (text: string) => [...text.matchAll(/\b(\d+[wdhms])+\b/g)].map((m) => DurationText.parseSeconds(m[0])!)
    return { steps: durations(steps.replace(/ gives .*/, "")), windows: durations(windows) }
  }

  // small steps often enough to reach the 1,100,000-point limit within 40 days
  test.prop([fc.integer({ min: 1, max: 40 * 86_400 }), fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3_600 }))], { numRuns: 300 })(
    "refuses exactly the windows that are not 1 to 1,100,000 whole steps, and every step or window it suggests works",
    (window, step) => {
      const error = PrometheusSource.checkWindow(window, step)
      const whole = window % step === 0 && window >= step && window / step <= 1_100_000
      expect(error === undefined).toBe(whole)
      if (error === undefined) return
      expect(error.message).not.toContain("\n")
      const { steps, windows } = suggestions(error.message)
      expect(steps.length + windows.length).toBeGreaterThan(0)
      for (const s of steps) expect(PrometheusSource.checkWindow(window, s)).toBeUndefined()
      for (const w of windows) expect(PrometheusSource.checkWindow(w, step)).toBeUndefined()
    }
  )
})

describe("PrometheusSource.observe with a window the step cannot read", () => {
  it("fails as Unsupported with the same words, before asking Prometheus", async () => {
    const s = spec("5s", "10s")
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const source = yield* MetricSource.MetricSource
        return yield* source.observe({ spec: s, metric: s.metrics[0]!, track: "candidate", window: { start: 1_000_000, end: 1_005_000 } })
      }).pipe(Effect.provide(PrometheusSource.layer({ url: "http://127.0.0.1:1", retries: 0 })))
    )
    if (Exit.isSuccess(exit)) throw new Error("expected a failure")
    const error = (exit.cause.reasons[0] as { error: MetricSource.MetricSourceError }).error
    expect(error.reason).toBe("Unsupported")
    expect(error.message).toBe(`Unsupported: metric m0: ${PrometheusSource.checkWindow(5, 10)!.detail}`)
  })
})

describe("PrometheusSource.observe of continuous metrics whose answer a real 2.42 does not give here (a fake serving the documented encoding)", () => {
  let server: Server
  let url = ""
  let body: unknown = {}
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify(body))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const observe = (answer: unknown) => {
    body = answer
    const s = spec("2m", "10s")
    return Effect.runPromiseExit(
      Effect.gen(function* () {
        const source = yield* MetricSource.MetricSource
        return yield* source.observe({ spec: s, metric: s.metrics[0]!, track: "candidate", window: { start: 1_000_000, end: 1_120_000 } })
      }).pipe(Effect.provide(PrometheusSource.layer({ url, retries: 0 })))
    )
  }
  const failure = (exit: Exit.Exit<unknown, MetricSource.MetricSourceError>) => {
    if (Exit.isSuccess(exit)) throw new Error("expected a failure")
    return (exit.cause.reasons[0] as { error: MetricSource.MetricSourceError }).error
  }
  const matrix = (...result: ReadonlyArray<unknown>) => ({ status: "success", data: { resultType: "matrix", result } })

  it("numbers and native histograms in one answer are a BadQuery (the two cannot be one sample)", async () => {
    const error = failure(
      await observe(matrix({ metric: { a: "1" }, values: [[1010, "0.2"]] }, { metric: { a: "2" }, histograms: [[1010, { count: "1", sum: "0.2", buckets: [[0, "0.125", "0.25", "1"]] }]] }))
    )
    expect(error.reason).toBe("BadQuery")
    expect(error.message).toBe(
      "BadQuery: metric m0 (continuous): the query returned both numbers and native histograms; make it return one kind (select one metric, or wrap histograms in histogram_quantile(…))"
    )
  })

  it("a negative bucket count is a BadResponse naming the bucket", async () => {
    const error = failure(await observe(matrix({ metric: {}, histograms: [[1010, { count: "-1", sum: "0", buckets: [[0, "0.125", "0.25", "-1"]] }]] })))
    expect(error.reason).toBe("BadResponse")
    expect(error.message).toBe("BadResponse: metric m0: a native histogram bucket (0.125, 0.25] has count -1; counts must be finite and not negative")
  })
})
