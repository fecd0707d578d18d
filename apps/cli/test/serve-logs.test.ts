import { generateLogs, scenarios, signaturesMetric, startFakeLoki } from "@rollwise/source-loki/testing"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { stringify } from "yaml"
import { background, rollwiseAsync, scratch } from "./support.ts"

/**
 * `rollwise serve` judging the Argo Rollouts web metric on logs: an SLO whose
 * metric reads Loki (new error signatures), the server started with --loki
 * (and no Prometheus), a fake Loki from its HTTP API with its auth on, loaded
 * with the last minutes of two services' logs — one whose canary logs a new
 * exception.
 */
const { dir } = scratch("serve-logs")
const sloDir = join(dir, "slo")
mkdirSync(sloDir)
writeFileSync(
  join(sloDir, "errors.yaml"),
  stringify({ apiVersion: "rollwise/v1", kind: "SloSpec", service: "checkout", window: "1m", promoteAfter: 2, warmupWindows: 0, metrics: [{ ...signaturesMetric, tolerance: 1 }] })
)
const token = "loki-token-3f9a1c"
let loki: Awaited<ReturnType<typeof startFakeLoki>>
let server: ReturnType<typeof background>
let url = ""

beforeAll(async () => {
  loki = await startFakeLoki({ bearerToken: token })
  // six minutes of logs up to a minute from now: the trailing windows Argo asks about are inside
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000
  const shape = { windowSeconds: 60, requestsPerSecond: 200 }
  loki.load(generateLogs({ ...scenarios.healthy(start, 5, 6), ...shape, service: "checkout" }).streams)
  loki.load(generateLogs({ ...scenarios.newError(start, 5, 6), ...shape, service: "payments" }).streams)
  server = background(["serve", "--port", "0", "--slo-dir", sloDir, "--loki", loki.url], { ROLLWISE_LOKI_TOKEN: token, ROLLWISE_PROMETHEUS_URL: "" }, dir)
  await server.waitFor(/"msg":"listening"/)
  url = /"address":"(http:\/\/[^"]+)"/.exec(server.output().stderr)![1]!
}, 60_000)
afterAll(async () => {
  server.child.kill("SIGTERM")
  await server.exited
  await loki.close()
})

const judge = async (service: string) => {
  const r = await fetch(`${url}/v1/argo/metric`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ service, namespace: "shop", canaryHash: "7f9c", stableHash: "5d2b", slo: "errors" }) })
  expect(r.status).toBe(200)
  return (await r.json()) as { decision: string; reasons?: ReadonlyArray<string> }
}

describe("rollwise serve --loki: the Argo metric judged on log signatures (fake Loki, from its HTTP API)", () => {
  it("a canary that logs a new exception is told to roll back; a healthy one is not", async () => {
    const bad = await judge("payments")
    expect(bad.decision, JSON.stringify(bad)).toBe("rollback")
    expect(JSON.stringify(bad)).toContain("new error signature")
    const good = await judge("checkout")
    expect(good.decision, JSON.stringify(good)).not.toBe("rollback")
    // every query carried the token; none of the answers shows it
    expect(loki.requests.length).toBeGreaterThan(0)
    expect(JSON.stringify([bad, good])).not.toContain(token)
  }, 60_000)

  it("refuses to start when an SLO reads a source the server has no URL for, naming it", async () => {
    const r = await rollwiseAsync(dir, { ...process.env, ROLLWISE_LOKI_URL: "" })("serve", "--port", "0", "--slo-dir", sloDir, "--prometheus", "http://127.0.0.1:9")
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('SLO "errors": metric new-errors reads loki: start the server with --loki URL')
  })
})
