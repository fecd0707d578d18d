import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"

const fixture = fileURLToPath(new URL("./fixtures/slow-server.ts", import.meta.url))
const cwd = fileURLToPath(new URL("..", import.meta.url))
const argo = { service: "healthy-checkout", namespace: "shop", canaryHash: "7d9f8c6b5", stableHash: "5c4b3a291", slo: "checkout" }

let child: ChildProcess | undefined
afterEach(() => {
  // only the process this test started, by its own handle
  if (child !== undefined && child.exitCode === null) child.kill("SIGKILL")
  child = undefined
})

/** Start the slow server in its own process; resolve with its URL, its stderr so far, and its exit. */
const start = (delay: string) =>
  new Promise<{ url: string; stderr: () => string; exited: Promise<number | null> }>((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", "--conditions=@rollwise/source", fixture, delay], { cwd, stdio: ["ignore", "ignore", "pipe"] })
    child = proc
    let stderr = ""
    const exited = new Promise<number | null>((done) => proc.on("exit", (code) => done(code)))
    proc.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
      const listening = /"msg":"listening","address":"(http:\/\/[^"]+)"/.exec(stderr)
      if (listening !== null) resolve({ url: listening[1]!, stderr: () => stderr, exited })
    })
    proc.on("error", reject)
    setTimeout(() => reject(new Error(`the server did not start: ${stderr}`)), 15_000)
  })

describe("graceful shutdown", () => {
  it("on SIGTERM stops accepting, finishes the request in flight, and exits 0", async () => {
    const server = await start("300 millis")
    const started = Date.now()
    const inFlight = fetch(`${server.url}/v1/argo/metric`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(argo) })
    await new Promise((r) => setTimeout(r, 250))
    child!.kill("SIGTERM")
    const response = await inFlight
    expect(response.status).toBe(200)
    expect(((await response.json()) as { decision: string }).decision).toBe("promote")
    // three windows of six delayed measurements each: it really was in flight across the signal
    expect(Date.now() - started).toBeGreaterThan(800)
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
    expect(await server.exited).toBe(0)
    const lines = server.stderr().trim().split("\n").map((l) => JSON.parse(l) as { msg: string; status?: number })
    expect(lines.slice(-3).map((l) => l.msg)).toEqual(["shutting down: finishing in-flight requests", "request", "stopped"])
    expect(lines.at(-2)).toMatchObject({ status: 200 })
  })
})
