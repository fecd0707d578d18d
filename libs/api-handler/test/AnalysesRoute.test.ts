import { Analyzer, Observation, SloSpec } from "@rollwise/slo-policy"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Analyses } from "@rollwise/api-contract"
import { fixture, json, makeHandler, ndjson } from "./helpers.ts"

const slo = json<Record<string, unknown>>("slo.json")
const healthy = ndjson("observations-healthy.ndjson")
const regression = ndjson("observations-regression.ndjson")

/** What `rollwise analyze --slo slo.yaml --observations <file>` computes, straight from slo-policy. */
const offline = async (file: string) => {
  const spec = await Effect.runPromise(SloSpec.decode(slo))
  const [release] = await Effect.runPromise(Observation.parse(fixture(file), spec))
  return { release: release!.id, verdicts: Analyzer.run(spec, release!) }
}

describe("POST /v1/analyses", () => {
  let h: Awaited<ReturnType<typeof makeHandler>>
  beforeAll(async () => {
    h = await makeHandler()
  })
  afterAll(() => h.close())

  it.each([
    ["observations-healthy.ndjson", healthy, "promote"],
    ["observations-regression.ndjson", regression, "rollback"]
  ])("judges %s as the CLI's offline analysis does", async (file, observations, action) => {
    const r = await h.post("/v1/analyses", { slo, observations })
    expect(r.status).toBe(200)
    const answer = (await r.json()) as Analyses.Response
    const expected = await offline(file)
    expect(answer.verdicts).toEqual(expected.verdicts)
    expect(answer.verdict).toEqual(expected.verdicts.at(-1))
    expect(answer.release).toBe(expected.release)
    expect(answer.verdict.action).toBe(action)
  })

  it("holds (slow, window -1) with no observations, as the CLI does", async () => {
    const r = await h.post("/v1/analyses", { slo, observations: [] })
    expect(((await r.json()) as Analyses.Response).verdict).toEqual({ action: "slow", window: -1, metrics: [], reasons: ["no windows observed yet: holding"], score: 0 })
  })

  it("picks a release by name and refuses to guess among several", async () => {
    const two = [...healthy, ...regression.map((o) => ({ ...(o as object), release: "v2" }))]
    const ambiguous = await h.post("/v1/analyses", { slo, observations: two })
    expect(ambiguous.status).toBe(400)
    expect(((await ambiguous.json()) as { field: string }).field).toBe("release")
    const picked = (await (await h.post("/v1/analyses", { slo, observations: two, release: "v2" })).json()) as Analyses.Response
    expect(picked.release).toBe("v2")
    expect(picked.verdict.action).toBe("rollback")
    const missing = await h.post("/v1/analyses", { slo, observations: two, release: "v9" })
    expect(((await missing.json()) as { message: string }).message).toContain('no release "v9"')
  })

  const first = healthy[0] as Record<string, unknown>
  it.each([
    [{ slo: { ...slo, window: "soon" }, observations: healthy }, "slo.window"],
    [{ slo: { ...slo, kind: "GatePolicy" }, observations: healthy }, "slo.kind"],
    [{ slo: { ...slo, metrics: [] }, observations: healthy }, "slo.metrics[0]"],
    [{ slo: { ...slo, promoteAfter: 20 }, observations: healthy }, "slo.promoteAfter"],
    [{ slo, observations: [{ ...first, metric: "cpu" }] }, "observations[0].metric"],
    [{ slo, observations: [first, { ...first, values: [1, "x"] }] }, "observations[1].values[1]"],
    [{ slo, observations: [first, first] }, "observations[1]"],
    [{ slo, observations: [{ ...first, window: 3 }] }, "observations"],
    [{ slo, observations: [{ window: 0, metric: "error-rate", track: "candidate", errors: 9, total: 3 }] }, "observations[0].errors"],
    [{ slo, observations: [{ window: 0, metric: "latency", track: "candidate", errors: 1, total: 3 }] }, "observations[0].errors"],
    [{ slo, observations: {} }, "observations"],
    // found by the fuzz test: a counter of two -1e308 sums to -Infinity
    [{ slo, observations: [{ window: 0, metric: "restarts", track: "candidate", values: [-1e308, -1e308] }] }, "observations[0].values[0]"],
    [{ slo, observations: [{ window: 0, metric: "error-rate", track: "candidate", errors: 1, total: 2e15 }] }, "observations[0].total"],
    [{ observations: [] }, "slo"]
  ])("answers 400 naming the field: %#", async (body, field) => {
    const r = await h.post("/v1/analyses", body)
    expect(r.status).toBe(400)
    const error = (await r.json()) as { _tag: string; field: string; message: string }
    expect(error).toMatchObject({ _tag: "InputError", field })
    expect(error.message.startsWith(field)).toBe(true)
  })
})
