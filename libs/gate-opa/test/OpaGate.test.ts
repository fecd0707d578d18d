import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { OpaGate } from "../src/index.ts"

/**
 * A fake OPA built from its REST data API contract: POST /v1/data/{path}
 * with {"input": …} answers 200 {"result": …}; an undefined document answers
 * 200 {} ; a body that is not JSON answers 400 {"code":"invalid_parameter"};
 * a bad token answers 401 {"code":"unauthorized"}.
 */
let server: Server
let url = ""
const seen: Array<{ path: string; input: unknown; auth: string | undefined }> = []

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      const path = (req.url ?? "").replace(/^\/v1\/data\//, "")
      const send = (status: number, doc: unknown, delayMs = 0) =>
        setTimeout(() => {
          res.writeHead(status, { "content-type": "application/json" })
          res.end(JSON.stringify(doc))
        }, delayMs)
      if (req.method !== "POST" || !(req.url ?? "").startsWith("/v1/data/")) return send(404, { code: "not_found" })
      if (path.startsWith("secured") && req.headers.authorization !== "Bearer s3cret") {
        return send(401, { code: "unauthorized", message: "missing or invalid token" })
      }
      let parsed: { input?: { decision?: { risk_score?: number } } }
      try {
        parsed = JSON.parse(body)
      } catch {
        return send(400, { code: "invalid_parameter", message: "body must be JSON" })
      }
      seen.push({ path, input: parsed.input, auth: req.headers.authorization })
      const risk = parsed.input?.decision?.risk_score ?? 0
      switch (path) {
        case "rollwise/deploy":
        case "secured/deploy":
          return send(200, { result: { allow: risk < 50, reasons: risk < 50 ? [] : [`risk ${risk} needs a change ticket`] } })
        case "rollwise/slow":
          return send(200, { result: { allow: true } }, 2_000)
        case "rollwise/echo":
          // a policy (or a proxy) that quotes the request's headers back in its reasons
          return send(200, { result: { allow: false, reasons: [`denied for ${req.headers.authorization}; retry with access_token=${String(req.headers.authorization).slice(7)}`] } })
        case "rollwise/broken":
          return send(500, { code: "internal_error", message: "eval_conflict_error: functions must not produce multiple outputs" })
        default:
          return send(200, {})
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const ask = (path: string, risk: number, extra: Partial<{ failOpen: boolean; timeoutSeconds: number; url: string }> = {}, token?: string) =>
  Effect.runPromise(
    OpaGate.ask(
      { url: extra.url ?? url, path, ...(extra.failOpen !== undefined ? { failOpen: extra.failOpen } : {}), ...(extra.timeoutSeconds !== undefined ? { timeoutSeconds: extra.timeoutSeconds } : {}) },
      { decision: { risk_score: risk }, at: "2026-12-01T10:00:00Z", errorBudget: { remaining: 0.5 } },
      token === undefined ? {} : { token: Redacted.make(token) }
    ).pipe(Effect.provide(FetchHttpClient.layer))
  )

describe("OpaGate.ask (against a fake OPA that follows the REST data API)", () => {
  it("passes when the policy allows, sending the decision, time and budget as input", async () => {
    const r = await ask("rollwise/deploy", 20)
    expect(r).toMatchObject({ gate: "opa", status: "pass" })
    expect(seen.at(-1)).toMatchObject({ path: "rollwise/deploy", input: { at: "2026-12-01T10:00:00Z", errorBudget: { remaining: 0.5 } } })
  })

  it("blocks with the policy's reasons when it denies", async () => {
    expect(await ask("rollwise/deploy", 80)).toEqual({ gate: "opa", status: "block", reasons: ["risk 80 needs a change ticket"] })
  })

  it("blocks when the package path has no document", async () => {
    const r = await ask("rollwise/typo", 10)
    expect(r.status).toBe("block")
    expect(r.reasons[0]).toContain("no decision for rollwise/typo")
  })

  it("sends the bearer token and says 401 without leaking it", async () => {
    expect((await ask("secured/deploy", 10, {}, "s3cret")).status).toBe("pass")
    const denied = await ask("secured/deploy", 10, {}, "wrong-token")
    expect(denied.status).toBe("block")
    expect(denied.reasons.join(" ")).toContain("HTTP 401: missing or invalid token")
    expect(JSON.stringify(denied)).not.toContain("wrong-token")
  })

  it("redacts a token OPA's answer quotes back, in every reason it records", async () => {
    const r = await ask("rollwise/echo", 10, {}, "opa-t0ken-9f8e7d")
    expect(r.status).toBe("block")
    expect(r.reasons.join(" ")).toContain("denied for Bearer ***")
    expect(JSON.stringify(r)).not.toContain("opa-t0ken-9f8e7d")
  })

  it("fails closed on a server error, a timeout and a refused connection", async () => {
    const broken = await ask("rollwise/broken", 10)
    expect(broken.status).toBe("block")
    expect(broken.reasons[0]).toContain("HTTP 500: eval_conflict_error")
    const slow = await ask("rollwise/slow", 10, { timeoutSeconds: 0.2 })
    expect(slow.status).toBe("block")
    expect(slow.reasons[0]).toContain("no answer within")
    const refused = await ask("rollwise/deploy", 10, { url: "http://127.0.0.1:1" })
    expect(refused.status).toBe("block")
    expect(refused.reasons[0]).toContain("failing closed")
  })

  it("fails open only when the policy says so", async () => {
    const r = await ask("rollwise/deploy", 10, { url: "http://127.0.0.1:1", failOpen: true })
    expect(r.status).toBe("pass")
    expect(r.reasons[0]).toContain("failOpen")
  })
})
