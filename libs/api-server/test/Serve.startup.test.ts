import { mkdtempSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { Cause, Effect, Exit, Layer, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeServer, resolveOptions, type ServeFlags, ServerConfigError, validate } from "../src/index.ts"
import { isLoopback, tokenChecker } from "../src/internal/auth.ts"
import { json, serveFlagsWith, sloDocument, spec, startServer } from "./helpers.ts"
import { scenarioSource } from "@rollwise/api-handler/testing"

const base = { host: "127.0.0.1", port: 0, slos: { checkout: spec }, metricSource: scenarioSource(() => "healthy"), log: (_line: string) => undefined }

/** The error an Exit failed with (throws on success). */
const failureOf = (exit: Exit.Exit<unknown, unknown>): unknown => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return Cause.squash(exit.cause)
}

const startFails = async (options: Parameters<typeof makeServer>[0]) => failureOf(await Effect.runPromiseExit(Effect.scoped(Layer.build(makeServer(options)))))

describe("starting the server", () => {
  it("refuses to serve on 0.0.0.0 without a token, with a typed error that says what to do", async () => {
    const error = await startFails({ ...base, host: "0.0.0.0" })
    expect(error).toBeInstanceOf(ServerConfigError)
    expect(error).toMatchObject({ _tag: "ServerConfigError", reason: "InsecureBind" })
    expect((error as ServerConfigError).message).toBe(
      "refusing to serve on 0.0.0.0 without authentication: set a token (ROLLWISE_API_TOKEN or --token-file), bind to 127.0.0.1, or pass --insecure to serve unauthenticated on purpose"
    )
    for (const host of ["::", "10.0.0.7", "rollwise.internal"]) {
      expect(await startFails({ ...base, host })).toMatchObject({ reason: "InsecureBind" })
    }
  })

  it("serves on 0.0.0.0 with a token, or without one when insecure is set explicitly", async () => {
    for (const options of [{ token: Redacted.make("a-real-token") }, { insecure: true }]) {
      const server = await startServer({ ...options, host: "0.0.0.0", token: "token" in options ? options.token : undefined })
      const health = await fetch(`http://127.0.0.1:${server.port}/healthz`)
      expect(health.status).toBe(200)
      const metrics = await fetch(`http://127.0.0.1:${server.port}/metrics`)
      expect(metrics.status).toBe("token" in options ? 401 : 200)
      expect(JSON.parse(server.lines[0]!)).toMatchObject({ auth: "token" in options ? "operator token" : "NONE (--insecure)" })
      await server.close()
    }
  })

  it("serves on loopback without a token", async () => {
    const server = await startServer({ token: undefined })
    expect((await server.fetch("/metrics")).status).toBe(200)
    expect(JSON.parse(server.lines[0]!)).toMatchObject({ auth: "none (loopback only)" })
    await server.close()
  })

  it.each([
    [{ port: 70000 }, "port 70000 is not between 0 and 65535"],
    [{ token: Redacted.make("  ") }, "the API token is empty; set a real one or leave it unset"],
    [{ bodyLimitBytes: 0 }, "body limit 0 must be a positive number of bytes"]
  ])("refuses bad options: %j", async (change, message) => {
    const error = failureOf(await Effect.runPromiseExit(validate({ ...base, ...change })))
    expect(error).toBeInstanceOf(ServerConfigError)
    expect(error).toMatchObject({ reason: "BadOption", message })
  })

  it.each([
    [{ hookToken: Redacted.make("has a space") }, "the integration token (ROLLWISE_HOOK_TOKEN) may hold only letters, digits and - . _ ~ (it is sent in paths as /hooks/<token>/…); e.g. openssl rand -hex 32"],
    [{ hookToken: Redacted.make("a/b") }, "the integration token (ROLLWISE_HOOK_TOKEN) may hold only letters, digits and - . _ ~ (it is sent in paths as /hooks/<token>/…); e.g. openssl rand -hex 32"],
    [{ hookToken: Redacted.make(" ") }, "the integration token (ROLLWISE_HOOK_TOKEN) is empty; set a real one or leave it unset"],
    [
      { token: Redacted.make("same-token"), hookToken: Redacted.make("same-token") },
      "the integration token (ROLLWISE_HOOK_TOKEN) must differ from the operator token (ROLLWISE_API_TOKEN): it only opens the decision routes and may travel in URLs"
    ]
  ])("refuses an integration token it cannot use, without quoting it: %#", async (change, message) => {
    const error = failureOf(await Effect.runPromiseExit(validate({ ...base, ...change })))
    expect(error).toMatchObject({ _tag: "ServerConfigError", reason: "BadOption", message })
  })

  it("refuses a public address with only an integration token (it does not protect the operator routes)", async () => {
    expect(await startFails({ ...base, host: "0.0.0.0", hookToken: Redacted.make("hook-only-token") })).toMatchObject({
      reason: "InsecureBind",
      message:
        "refusing to serve on 0.0.0.0 without authentication (the integration token opens only the decision routes; every other route would be open): set a token (ROLLWISE_API_TOKEN or --token-file), bind to 127.0.0.1, or pass --insecure to serve unauthenticated on purpose"
    })
  })

  it("names in the startup line what authentication is configured, never a token", async () => {
    const server = await startServer({ hookToken: Redacted.make("startup-hook-token"), publicJudge: true })
    await server.close()
    expect(JSON.parse(server.lines[0]!)).toMatchObject({ msg: "listening", auth: "operator token; hook token: header+path; public judge: POST /judge without a token" })
    expect(server.lines.join("\n")).not.toContain("startup-hook-token")
  })

  it("tells loopback addresses apart from the rest", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) expect(isLoopback(host), host).toBe(true)
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "localhost.evil.com", "127.0.0.1.nip.io", ""]) expect(isLoopback(host), host).toBe(false)
  })

  it("compares tokens exactly, whatever their lengths", () => {
    const check = tokenChecker(Redacted.make("correct horse"))
    expect(check(Redacted.make("correct horse"))).toBe(true)
    for (const guess of ["correct hors", "correct horse ", "Correct horse", "", "x".repeat(1000)]) expect(check(Redacted.make(guess)), guess).toBe(false)
    expect(check(undefined)).toBe(false)
  })
})

describe("rollwise serve options", () => {
  const flags = (change: Partial<ServeFlags> = {}): ServeFlags => serveFlagsWith({ bodyLimit: 1024, ...change })
  const resolve = (f: ServeFlags, env: Record<string, string> = {}) => Effect.runPromise(resolveOptions(f, env).pipe(Effect.provide(NodeServices.layer)))
  const resolveExit = (f: ServeFlags, env: Record<string, string> = {}) => Effect.runPromiseExit(resolveOptions(f, env).pipe(Effect.provide(NodeServices.layer)))

  it("loads every SLO spec of a directory by file name, and the token from the environment or a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rollwise-slo-"))
    writeFileSync(join(dir, "checkout.yaml"), `apiVersion: rollwise/v1\nkind: SloSpec\nservice: checkout\nwindow: 2m\nmetrics:\n  - {name: latency, kind: continuous, threshold: 0.3}\n`)
    writeFileSync(join(dir, "payments.json"), JSON.stringify(sloDocument))
    writeFileSync(join(dir, "README.md"), "not a spec")
    const fromEnv = await resolve(flags(), { ROLLWISE_SLO_DIR: dir, ROLLWISE_API_TOKEN: "env-token" })
    expect(Object.keys(fromEnv.slos).sort()).toEqual(["checkout", "payments"])
    expect(fromEnv.slos["checkout"]!.windowSeconds).toBe(120)
    expect(Redacted.value(fromEnv.token!)).toBe("env-token")
    const tokenFile = join(dir, "token")
    writeFileSync(tokenFile, "file-token\n")
    const fromFile = await resolve(flags({ tokenFile: Option.some(tokenFile), sloDir: Option.some(dir) }), { ROLLWISE_API_TOKEN: "env-token" })
    expect(Redacted.value(fromFile.token!)).toBe("file-token")
    expect(fromFile.bodyLimitBytes).toBe(1024)
    expect(fromFile.readiness).toBeUndefined()
    // Prometheus is no readiness dependency: its trouble is counted in /metrics (prometheus.test.ts)
    const withPrometheus = await resolve(flags({ prometheus: Option.some("http://127.0.0.1:1") }))
    expect(withPrometheus.readiness).toBeUndefined()
  })

  it("takes the integration token from --hook-token-file or ROLLWISE_HOOK_TOKEN, and --public-judge or ROLLWISE_PUBLIC_JUDGE", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rollwise-hook-"))
    writeFileSync(join(dir, "hook"), "file-hook-token\n")
    const fromEnv = await resolve(flags(), { ROLLWISE_API_TOKEN: "op", ROLLWISE_HOOK_TOKEN: "env-hook-token" })
    expect(Redacted.value(fromEnv.hookToken!)).toBe("env-hook-token")
    expect(fromEnv.publicJudge).toBe(false)
    const fromFile = await resolve(flags({ hookTokenFile: Option.some(join(dir, "hook")) }), { ROLLWISE_HOOK_TOKEN: "env-hook-token", ROLLWISE_PUBLIC_JUDGE: "true" })
    expect(Redacted.value(fromFile.hookToken!)).toBe("file-hook-token")
    expect(fromFile.publicJudge).toBe(true)
    expect((await resolve(flags({ publicJudge: true }))).publicJudge).toBe(true)
    expect((await resolve(flags(), { ROLLWISE_PUBLIC_JUDGE: "0" })).publicJudge).toBe(false)
    expect((await resolve(flags())).hookToken).toBeUndefined()
    writeFileSync(join(dir, "empty"), " \n")
    expect(failureOf(await resolveExit(flags({ hookTokenFile: Option.some(join(dir, "empty")) })))).toMatchObject({ reason: "BadOption", message: `${join(dir, "empty")} holds no token` })
    expect(failureOf(await resolveExit(flags(), { ROLLWISE_PUBLIC_JUDGE: "yes please" }))).toMatchObject({
      reason: "BadOption",
      message: 'ROLLWISE_PUBLIC_JUDGE must be true or false (got "yes please")'
    })
  })

  it("refuses an SLO spec that does not decode, naming the file and the field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rollwise-slo-"))
    writeFileSync(join(dir, "broken.yaml"), `apiVersion: rollwise/v1\nkind: SloSpec\nservice: x\nwindow: soon\nmetrics:\n  - {name: latency, kind: continuous, threshold: 0.3}\n`)
    const error = failureOf(await resolveExit(flags({ sloDir: Option.some(dir) }))) as { _tag: string; message: string }
    expect(error._tag).toBe("DecodeError")
    expect(error.message).toBe(`${join(dir, "broken.yaml")}: window: expected a duration like 30s, 2m or 1h, got "soon"`)
  })

  it("with Prometheus, refuses an SLO whose window its step cannot read, naming the SLO and the fix (never nodata answers later)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rollwise-slo-"))
    writeFileSync(join(dir, "checkout.yaml"), `apiVersion: rollwise/v1\nkind: SloSpec\nservice: checkout\nwindow: 5s\nstep: 10s\nmetrics:\n  - {name: latency, kind: continuous, threshold: 0.3, query: 'up'}\n`)
    const error = failureOf(await resolveExit(flags({ sloDir: Option.some(dir), prometheus: Option.some("http://127.0.0.1:9090") })))
    expect(error).toMatchObject({ reason: "BadOption" })
    expect((error as { message: string }).message).toMatch(/^SLO "checkout": window 5s is shorter than step 10s: a continuous metric would get no point in a window; set step to a divisor of the window/)
    // without Prometheus the spec is only judged on bodies the caller sends: no step involved
    expect(Object.keys((await resolve(flags({ sloDir: Option.some(dir) }))).slos)).toEqual(["checkout"])
  })

  it("refuses an empty token file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rollwise-token-"))
    writeFileSync(join(dir, "token"), "\n")
    const error = failureOf(await resolveExit(flags({ tokenFile: Option.some(join(dir, "token")) })))
    expect(error).toMatchObject({ _tag: "ServerConfigError", reason: "BadOption", message: `${join(dir, "token")} holds no token` })
  })
})

describe("OPA gates", () => {
  let opa: Server
  let opaUrl = ""
  const seen: Array<{ path: string; authorization: string | undefined; body: unknown }> = []
  beforeAll(async () => {
    opa = createServer((req, res) => {
      let body = ""
      req.on("data", (c: Buffer) => (body += c.toString()))
      req.on("end", () => {
        seen.push({ path: req.url ?? "", authorization: req.headers.authorization, body: JSON.parse(body) as unknown })
        res.setHeader("content-type", "application/json")
        res.end(JSON.stringify({ result: { allow: false, reasons: ["change freeze by OPA"] } }))
      })
    })
    await new Promise<void>((resolve) => opa.listen(0, "127.0.0.1", resolve))
    const address = opa.address()
    opaUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
  })
  afterAll(() => new Promise<void>((resolve) => opa.close(() => resolve())))

  it("asks the OPA servers the server was started with, and refuses any other URL a policy names", async () => {
    const server = await startServer({ opa: { urls: [`${opaUrl}/`], token: Redacted.make("opa-secret") } })
    const decision = json("strategy.json")
    const policy = { apiVersion: "rollwise/v1", kind: "GatePolicy", opa: { url: opaUrl, path: "rollwise/deploy" } }
    const r = await server.post("/v1/gates", { policy, decision, at: "2026-12-01T08:30:00Z" })
    expect(await r.json()).toEqual({ status: "block", gates: [{ gate: "opa", status: "block", reasons: ["change freeze by OPA"] }], at: "2026-12-01T08:30:00.000Z" })
    expect(seen).toEqual([{ path: "/v1/data/rollwise/deploy", authorization: "Bearer opa-secret", body: { input: { decision, at: "2026-12-01T08:30:00.000Z" } } }])
    const elsewhere = await server.post("/v1/gates", { policy: { ...policy, opa: { url: "http://169.254.169.254/latest", path: "x" } }, decision })
    expect(elsewhere.status).toBe(400)
    expect(await elsewhere.json()).toMatchObject({ field: "policy.opa.url" })
    expect(seen.length).toBe(1)
    await server.close()
  })
})
