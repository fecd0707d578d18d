import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** An answer a fake sends. */
export interface Reply {
  readonly status: number
  readonly body: string
  readonly contentType?: string
  readonly headers?: Readonly<Record<string, string>>
}

/** A failure to send instead of the real answer, for the next `times` requests (default 1). */
export interface Injection {
  readonly status: number
  readonly body: string
  readonly contentType?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly times?: number
  /** Only requests to this path (default every path). */
  readonly path?: string
}

/** A request a fake received, for tests to assert what was sent. */
export interface Received {
  readonly path: string
  readonly params: URLSearchParams
  readonly headers: IncomingMessage["headers"]
}

/** The credentials a fake demands; none means it lets everyone in. */
export interface Auth {
  readonly bearerToken?: string
  readonly basicAuth?: { readonly username: string; readonly password: string }
}

/** A node HTTP server on 127.0.0.1 with auth, failure injection, slowness and a request log. */
export class FakeServer {
  private injections: Array<Injection & { left: number }> = []
  private delayMs = 0
  readonly received: Array<Received> = []
  private constructor(
    private readonly server: Server,
    readonly url: string
  ) {}

  static async start(handle: (r: Received) => Reply, auth: Auth, unauthorized: () => Reply): Promise<FakeServer> {
    const ref: { self?: FakeServer } = {}
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume()
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://fake")
        const received: Received = { path: url.pathname, params: url.searchParams, headers: req.headers }
        ref.self!.received.push(received)
        const send = (reply: Reply) => {
          if (res.destroyed) return
          res.writeHead(reply.status, { "content-type": reply.contentType ?? "application/json", ...(reply.headers ?? {}) })
          res.end(reply.body)
        }
        const answer = (): Reply => {
          const expected = [
            ...(auth.bearerToken !== undefined ? [`Bearer ${auth.bearerToken}`] : []),
            ...(auth.basicAuth !== undefined ? [`Basic ${Buffer.from(`${auth.basicAuth.username}:${auth.basicAuth.password}`).toString("base64")}`] : [])
          ]
          if (expected.length > 0 && !expected.includes(req.headers.authorization ?? "")) return unauthorized()
          const i = ref.self!.injections.findIndex((j) => j.path === undefined || j.path === received.path)
          if (i !== -1) {
            const inj = ref.self!.injections[i]!
            inj.left--
            if (inj.left <= 0) ref.self!.injections.splice(i, 1)
            return { status: inj.status, body: inj.body, ...(inj.contentType !== undefined ? { contentType: inj.contentType } : {}), ...(inj.headers !== undefined ? { headers: inj.headers } : {}) }
          }
          try {
            return handle(received)
          } catch (e) {
            return { status: 500, body: `fake: ${e instanceof Error ? e.message : String(e)}`, contentType: "text/plain; charset=utf-8" }
          }
        }
        const reply = answer()
        if (ref.self!.delayMs > 0) setTimeout(() => send(reply), ref.self!.delayMs)
        else send(reply)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    ref.self = new FakeServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    return ref.self
  }

  /** Answer the next requests with a failure (status, body, headers) instead. */
  inject(injection: Injection): void {
    this.injections.push({ ...injection, left: injection.times ?? 1 })
  }

  /** Answer every request this much later (0 to stop). */
  delay(ms: number): void {
    this.delayMs = ms
  }

  /** Forget injections, delay and the request log. */
  reset(): void {
    this.injections = []
    this.delayMs = 0
    this.received.length = 0
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections()
      this.server.close(() => resolve())
    })
  }
}
