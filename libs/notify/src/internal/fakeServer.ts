import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** One request a fake received, as it came. */
export interface Received {
  readonly method: string
  /** Path and query, as sent. */
  readonly path: string
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** The body parsed as JSON, when it is JSON. */
  readonly json: unknown
  /** Epoch ms (wall clock) when it arrived. */
  readonly at: number
}

/**
 * What the next request gets instead of the service's own answer: a status
 * (429 with `retryAfter` seconds or date, 5xx, or any other, with a body),
 * a slow answer (`delayMs`, then the service's own answer), or a dropped
 * connection (`reset`).
 */
export type Fault =
  | { readonly status: number; readonly body?: string; readonly retryAfter?: number | string; readonly contentType?: string }
  | { readonly delayMs: number }
  | { readonly reset: true }

/** An answer. */
export interface Answer {
  readonly status: number
  readonly body?: string
  readonly headers?: Readonly<Record<string, string>>
}

/** What every fake gives a test. */
export interface FakeServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string
  /** Every request, in arrival order (faulted ones included). */
  readonly received: ReadonlyArray<Received>
  /** Queue faults for the next requests, one each, in order. */
  readonly fail: (next: Fault | ReadonlyArray<Fault>) => void
  readonly close: () => Promise<void>
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

const write = (res: ServerResponse, answer: Answer) => {
  res.writeHead(answer.status, { "content-length": Buffer.byteLength(answer.body ?? ""), ...answer.headers })
  res.end(answer.body ?? "")
}

/** An HTTP server on 127.0.0.1 (a free port) answering with `handle`, after any queued fault. */
export const startServer = async (handle: (request: Received) => Answer): Promise<FakeServer> => {
  const received: Array<Received> = []
  const faults: Array<Fault> = []
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req)
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v
      const request: Received = { method: req.method ?? "GET", path: req.url ?? "/", headers, body, json: parse(body), at: Date.now() }
      received.push(request)
      const fault = faults.shift()
      if (fault !== undefined && "reset" in fault) {
        req.socket.destroy()
        return
      }
      if (fault !== undefined && "delayMs" in fault) await new Promise((r) => setTimeout(r, fault.delayMs))
      if (fault !== undefined && "status" in fault) {
        write(res, {
          status: fault.status,
          body: fault.body ?? "",
          headers: {
            "content-type": fault.contentType ?? "text/plain; charset=utf-8",
            ...(fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {})
          }
        })
        return
      }
      if (res.destroyed) return
      write(res, handle(request))
    })().catch(() => {
      if (!res.headersSent) write(res, { status: 500, body: "fake server error" })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    fail: (next) => {
      faults.push(...(Array.isArray(next) ? (next as ReadonlyArray<Fault>) : [next as Fault]))
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
