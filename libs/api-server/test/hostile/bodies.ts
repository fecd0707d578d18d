/**
 * Adversarial bodies of issue #16: samples with few distinct values, the
 * worst case of rank statistics that handle ties by scanning them. Shared by
 * the hostile tests and the api-server benchmark.
 */
import { json, ndjson } from "../helpers.ts"

/** `n` values alternating 0, 1, 0, 1, … (or `pattern` repeated). */
export const alternating = (n: number, pattern: ReadonlyArray<number> = [0, 1]): Array<number> => Array.from({ length: n }, (_, i) => pattern[i % pattern.length]!)

/** `n` uniform values in [0, 1) from a fixed seed (the random counterpart of the same size). */
export const uniform = (n: number, seed = 16): Array<number> => {
  let s = seed >>> 0
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return Math.round((s / 4294967296) * 1e6) / 1e6
  })
}

/**
 * A `POST /v1/analyses` body: the fixture's SLO and its first window, the
 * latency of each track replaced by `values(track)` (70,000 alternating 0/1
 * per track is the 280 KB body).
 */
export const analysesBody = (values: (track: "baseline" | "candidate") => ReadonlyArray<number>): string => {
  const first = (ndjson("observations-healthy.ndjson") as Array<{ window: number; metric: string; track: "baseline" | "candidate" }>).filter((o) => o.window === 0)
  const observations = first.map((o) => (o.metric === "latency" ? { ...o, values: values(o.track) } : o))
  return JSON.stringify({ slo: json("slo.json"), observations })
}

/** A Kayenta `POST /judge` body: the fixture with its first metric's series replaced by `values(track)`. */
export const judgeBody = (values: (track: "control" | "experiment") => ReadonlyArray<number>): string => {
  const request = json<{ metricSetPairList: Array<{ values: Record<string, unknown> }> }>("kayenta-judge-request.json")
  request.metricSetPairList[0]!.values = { control: values("control"), experiment: values("experiment") }
  return JSON.stringify(request)
}
