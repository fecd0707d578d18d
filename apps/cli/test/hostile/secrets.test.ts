import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { rollwiseIn } from "../support.ts"
import { hostileServer, promError, rollwiseAsync, windowEnd } from "./fake.ts"

/**
 * Issue #16, item 3: credentials never reach what rollwise prints — not from
 * a URL with userinfo, not from an upstream that echoes the request's
 * Authorization header back in its error body.
 */
const rollwise = rollwiseIn()
const token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.sig-4711"
const password = "hunter2-correct-horse"

let proxy: Awaited<ReturnType<typeof hostileServer>>
beforeAll(async () => {
  // a proxy that answers 401 with the request headers in its body, as Go's %v prints them
  proxy = await hostileServer((req, res) =>
    promError(res, 401, "unauthorized", `no access for map[Authorization:[${req.headers.authorization}] Content-Type:[${req.headers["content-type"]}]] (password ${password})`)
  )
})
afterAll(() => proxy.close())

describe("secrets never reach the output (bundled CLI)", () => {
  it("analyze refuses a Prometheus URL with credentials in it, like rollout (exit 3), without echoing them", () => {
    const r = rollwise("analyze", "--slo", "slo-live.yaml", "--prometheus", `http://ops:${password}@127.0.0.1:9/`, "--json")
    expect(r.code).toBe(3)
    expect(r.stdout).toBe("")
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toMatch(/^rollwise: --prometheus: holds credentials; give them as ROLLWISE_PROMETHEUS_TOKEN/)
    expect(r.stderr).not.toContain(password)
  })

  it("an upstream 401 that echoes the bearer token is redacted in the warnings and in the --json verdict", async () => {
    const r = await rollwiseAsync(["analyze", "--slo", "slo-live.yaml", "--prometheus", proxy.url, "--window-end", windowEnd, "--timeout", "2", "--json"], { ROLLWISE_PROMETHEUS_TOKEN: token })
    expect(r.code).toBe(0)
    const verdict = JSON.parse(r.stdout) as { action: string }
    expect(verdict.action).toBe("slow")
    expect(r.stderr).toContain("Authorization:[Bearer ***]")
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(token)
      expect(out).not.toContain("c2VjcmV0LXRva2Vu")
    }
  })

  it("so is an echoed Basic header and the password itself", async () => {
    const r = await rollwiseAsync(["analyze", "--slo", "slo-live.yaml", "--prometheus", proxy.url, "--window-end", windowEnd, "--timeout", "2"], {
      ROLLWISE_PROMETHEUS_USER: "ops",
      ROLLWISE_PROMETHEUS_PASSWORD: password
    })
    expect(r.code).toBe(0)
    expect(r.stderr).toContain("Authorization:[Basic ***]")
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(password)
      expect(out).not.toContain(Buffer.from(`ops:${password}`).toString("base64"))
    }
  })
})
