import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** One request the fake answered. */
export interface Call {
  readonly method: string
  /** Path and query as sent. */
  readonly url: string
  readonly status: number
  /** The parsed JSON body, if any. */
  readonly body?: unknown
}

/** A fault to inject: the next `count` requests matching answer `status` (with `Retry-After`, a body), or answer late. */
export interface Fault {
  readonly method?: string
  /** Matched against the path (without the query). */
  readonly path?: RegExp
  readonly status?: number
  readonly retryAfter?: string
  readonly body?: unknown
  /** Answer after this many ms (with the normal answer unless `status` is set). */
  readonly delayMs?: number
  readonly count?: number
}

/** What a route answers. */
export interface Reply {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/** A running fake. */
export interface Running {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  readonly calls: ReadonlyArray<Call>
  /** Inject faults, answered in order before any route. */
  readonly inject: (fault: Fault) => void
  readonly close: () => Promise<void>
}

/** Start an HTTP fake on 127.0.0.1 and a free port: `route` answers, `auth` checks each request first. */
export const serve = async (options: {
  readonly auth: (req: IncomingMessage) => Reply | undefined
  readonly route: (method: string, url: URL, body: unknown, raw: string) => Reply
  /** Headers on every answer. */
  readonly headers?: () => Readonly<Record<string, string>>
  /** How an unparsable JSON body is answered. */
  readonly badJson: Reply
}): Promise<Running> => {
  const calls: Array<Call> = []
  const faults: Array<Fault & { left: number }> = []
  const send = (res: ServerResponse, reply: Reply) => {
    const text = reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body)
    res.writeHead(reply.status, {
      ...(text.length > 0 ? { "content-type": typeof reply.body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8" } : {}),
      ...options.headers?.(),
      ...reply.headers
    })
    res.end(text)
  }
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8")
      const url = new URL(req.url ?? "/", "http://fake")
      const method = req.method ?? "GET"
      let body: unknown = undefined
      let bad = false
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw)
        } catch {
          bad = true
        }
      }
      const answer = (reply: Reply) => {
        calls.push({ method, url: req.url ?? "/", status: reply.status, ...(body !== undefined ? { body } : {}) })
        send(res, reply)
      }
      const i = faults.findIndex((f) => (f.method === undefined || f.method === method) && (f.path === undefined || f.path.test(url.pathname)))
      const fault = i >= 0 ? faults[i]! : undefined
      if (fault !== undefined && --fault.left <= 0) faults.splice(i, 1)
      const reply = (): Reply => {
        if (fault?.status !== undefined) return { status: fault.status, body: fault.body ?? { error: `injected ${fault.status}` }, ...(fault.retryAfter !== undefined ? { headers: { "retry-after": fault.retryAfter } } : {}) }
        const denied = options.auth(req)
        if (denied !== undefined) return denied
        if (bad) return options.badJson
        try {
          return options.route(method, url, body, raw)
        } catch (e) {
          return { status: 500, body: { error: `internal error: ${e instanceof Error ? e.message : String(e)}` } }
        }
      }
      if (fault?.delayMs !== undefined) setTimeout(() => answer(reply()), fault.delayMs)
      else answer(reply())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    inject: (fault) => faults.push({ ...fault, left: fault.count ?? 1 }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** A request id, as Mender puts in X-MEN-RequestID and error bodies. */
export const requestId = () => randomUUID()

/** The bearer token of a request, if any. */
export const bearer = (req: IncomingMessage): string | undefined => {
  const h = req.headers.authorization
  return h !== undefined && h.startsWith("Bearer ") ? h.slice(7) : undefined
}
