import { spawn } from "node:child_process"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { bin, examples } from "../support.ts"

/**
 * A hostile upstream for the CLI's hostile-input tests: an HTTP server on a
 * loopback port that answers every request with `answer(request)` — a proxy
 * echoing headers, a Prometheus answering escape sequences.
 */
export const hostileServer = async (answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ readonly url: string; readonly close: () => Promise<void> }> => {
  const server: Server = createServer((req, res) => {
    req.resume()
    req.on("end", () => answer(req, res))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** Run the bundled CLI without blocking this process's event loop (the fake server lives here). */
export const rollwiseAsync = (args: ReadonlyArray<string>, env: Record<string, string> = {}, cwd: string = examples) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** A Prometheus API error body. */
export const promError = (res: ServerResponse, status: number, errorType: string, error: string) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify({ status: "error", errorType, error }))
}

/** A fixed end for live windows, so no test depends on the clock. */
export const windowEnd = "2026-11-01T13:00:00Z"
