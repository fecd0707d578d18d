import { spawn, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

/** The server as its own process: the bundled dist/main.js (the test target builds it first). */
const main = fileURLToPath(new URL("../dist/main.js", import.meta.url))

describe("node dist/main.js (the bundled server process)", () => {
  it("--help teaches the flags", () => {
    const r = spawnSync(process.execPath, [main, "--help"], { encoding: "utf8" })
    expect(r.status).toBe(0)
    for (const flag of ["--host", "--port", "--token-file", "--hook-token-file", "--public-judge", "--slo-dir", "--prometheus", "--insecure", "ROLLWISE_HOOK_TOKEN"]) expect(r.stdout).toContain(flag)
  })

  it("refuses to serve on a public address without a token: one line, exit 1", () => {
    const r = spawnSync(process.execPath, [main, "--host", "0.0.0.0", "--port", "0"], { encoding: "utf8", env: { ...process.env, ROLLWISE_API_TOKEN: "" } })
    expect(r.status).toBe(1)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain("refusing to serve on 0.0.0.0 without authentication")
  })

  it("serves /healthz on 127.0.0.1 and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [main, "--host", "127.0.0.1", "--port", "0"], { env: { ...process.env, ROLLWISE_API_TOKEN: "t0ken-for-main-test" } })
    let err = ""
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString()
        const m = /"port":(\d+)|127\.0\.0\.1:(\d+)/.exec(err)
        if (m) resolve(Number(m[1] ?? m[2]))
      })
      child.on("exit", () => reject(new Error(`exited early: ${err}`)))
    })
    const res = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: "ok" })
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    child.kill("SIGTERM")
    expect(await exited).toBe(0)
    expect(err).not.toContain("t0ken-for-main-test")
  })

  it("takes ROLLWISE_HOOK_TOKEN: /hooks/<token>/metrics answers 200 (Prometheus text), the token stays out of its log", async () => {
    const hook = "main-hook-token-2b9d"
    const child = spawn(process.execPath, [main, "--host", "127.0.0.1", "--port", "0"], { env: { ...process.env, ROLLWISE_API_TOKEN: "t0ken-for-main-test", ROLLWISE_HOOK_TOKEN: hook } })
    let err = ""
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString()
        const m = /127\.0\.0\.1:(\d+)/.exec(err)
        if (m) resolve(Number(m[1]))
      })
      child.on("exit", () => reject(new Error(`exited early: ${err}`)))
    })
    const scraped = await fetch(`http://127.0.0.1:${port}/hooks/${hook}/metrics`)
    expect(scraped.status).toBe(200)
    expect(scraped.headers.get("content-type")).toContain("text/plain; version=0.0.4")
    expect((await fetch(`http://127.0.0.1:${port}/hooks/${hook}/v1/rollouts`)).status).toBe(403)
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    child.kill("SIGTERM")
    expect(await exited).toBe(0)
    expect(err).toContain('"auth":"operator token; hook token: header+path"')
    expect(err).toContain('"path":"/hooks/***/metrics"')
    expect(err).not.toContain(hook)
  })
})
