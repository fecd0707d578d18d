import { spawn } from "node:child_process"
import { describe, expect, it } from "vitest"
import { bin, rollwiseIn } from "./support.ts"

const rollwise = rollwiseIn()

/** `rollwise serve` is the same server as apps/http-api, in the same binary (the server's own tests are in libs/api-server). */
describe("rollwise serve (bundled CLI)", () => {
  it("refuses a public address without a token: exit 2, one line", () => {
    const r = rollwiseIn(undefined, { ROLLWISE_API_TOKEN: "" })("serve", "--host", "0.0.0.0", "--port", "0")
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain("refusing to serve on 0.0.0.0 without authentication")
  })

  it("refuses an OpenTelemetry setting it cannot use: exit 3, one line naming the variable, never a header value", () => {
    const bad = rollwiseIn(undefined, { OTEL_TRACES_EXPORTER: "zipkin" })("serve", "--port", "0")
    expect(bad.code).toBe(3)
    expect(bad.stderr.trim()).toBe('rollwise: OTEL_TRACES_EXPORTER must be "otlp" or "none" (got "zipkin")')
    const headers = rollwiseIn(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer s3cret-otel,broken" })("serve", "--port", "0")
    expect(headers.code).toBe(3)
    expect(headers.stderr).toContain("OTEL_EXPORTER_OTLP_HEADERS")
    expect(headers.stderr).not.toContain("s3cret-otel")
  })

  it("a port already taken is one line saying so (exit 4), not the error's name", async () => {
    const { createServer } = await import("node:net")
    const taken = createServer()
    const port = await new Promise<number>((resolve) => taken.listen(0, "127.0.0.1", () => resolve((taken.address() as { port: number }).port)))
    try {
      const r = rollwise("serve", "--port", String(port))
      expect(r.code).toBe(4)
      expect(r.stderr.trim()).toMatch(new RegExp(`^rollwise: cannot serve: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port}$`))
    } finally {
      taken.close()
    }
  })

  it("--help lists the routes and the auth rule", () => {
    const r = rollwise("serve", "--help")
    expect(r.code).toBe(0)
    for (const text of ["/v1/argo/metric", "/judge", "/v1/rollouts", "/v1/evidence", "--db", "OTEL_EXPORTER_OTLP_ENDPOINT", "ROLLWISE_API_TOKEN", "--insecure", "--slo-dir"]) expect(r.stdout).toContain(text)
  })

  it("answers POST /v1/risk with the decision rollwise decide makes, and stops on SIGTERM", async () => {
    const token = "serve-test-token-4411"
    const child = spawn(process.execPath, [bin, "serve", "--port", "0"], { env: { ...process.env, ROLLWISE_API_TOKEN: token } })
    let err = ""
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString()
        const m = /127\.0\.0\.1:(\d+)/.exec(err)
        if (m) resolve(Number(m[1]))
      })
      child.on("exit", () => reject(new Error(`exited early: ${err}`)))
    })
    // one analysis worker by default: no judgement runs on the thread that answers /healthz
    expect(err).toContain('"analysisWorkers":1')
    const changes = { service: "checkout", linesAdded: 420, linesDeleted: 96, filesChanged: 14, criticality: "high" }
    const res = await fetch(`http://127.0.0.1:${port}/v1/risk`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ changes, target: "k8s" }) })
    expect(res.status).toBe(200)
    const decision = (await res.json()) as { risk_score: number; strategy: string }
    const cli = rollwiseIn(undefined)
    const { scratch } = await import("./support.ts")
    const file = scratch("serve").file("changes.json", JSON.stringify(changes))
    const local = JSON.parse(cli("decide", "--changes", file, "--target", "k8s", "--json").stdout) as { risk_score: number; strategy: string }
    expect(decision.risk_score).toBe(local.risk_score)
    expect(decision.strategy).toBe(local.strategy)
    expect((await fetch(`http://127.0.0.1:${port}/v1/risk`, { method: "POST", body: "{}" })).status).toBe(401)
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    child.kill("SIGTERM")
    expect([0, 130]).toContain(await exited)
    expect(err).not.toContain(token)
  }, 30_000)
})
