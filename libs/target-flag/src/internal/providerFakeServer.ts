/**
 * A fake Rollwise flag server for tests: `GET /v1/flags/{key}` exactly as
 * the provider expects the real route to answer (see Provider.ts): 200 with
 * the FlagDocument JSON and `ETag: "<version>"`, 304 with no body when
 * `If-None-Match` names the current version, 404 with Rollwise's error
 * envelope for an unknown flag, 401 without the right bearer token, and
 * injectable 5xx answers, slowness and raw (bad) bodies. It counts every
 * request and every body it sent, so tests can prove a 304 re-sends nothing
 * and that nothing polls after close.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import type { FlagDocument } from "../FlagDocument.ts"

/** One request the fake answered. */
export interface ProviderFakeRequest {
  readonly key: string
  readonly ifNoneMatch: string | undefined
  readonly authorization: string | undefined
  readonly status: number
}

/** A running fake; `close()` stops it. */
export interface ProviderFakeServer {
  /** Base URL, `http://127.0.0.1:<port>` (give it to the provider as `url`). */
  readonly url: string
  /** Every request answered, in order. */
  readonly requests: ReadonlyArray<ProviderFakeRequest>
  /** How many 200 bodies were sent. */
  readonly bodiesSent: () => number
  /** Store (or replace) a flag's document as is. */
  readonly put: (doc: FlagDocument) => void
  /** Change a stored flag, bumping its version and `updatedAt` as Rollwise does. */
  readonly update: (key: string, patch: Partial<Omit<FlagDocument, "key" | "version">>) => FlagDocument
  /** Forget a flag (it answers 404 from now on). */
  readonly remove: (key: string) => void
  /** Serve this raw body with this ETag for the key instead of its document (a corrupt or incompatible answer). */
  readonly putRaw: (key: string, body: string, etag: string) => void
  /** Answer every request with this status (500, 503, …) and an error envelope (or `body`, as a proxy in front of Rollwise might); `undefined` heals. */
  readonly failWith: (status: number | undefined, body?: string) => void
  /** Delay every answer by this many ms (slowness injection). */
  readonly delay: (ms: number) => void
  readonly close: () => Promise<void>
}

const envelope = (code: string, message: string) => JSON.stringify({ error: { code, message } })

/** Start the fake on 127.0.0.1, a free port. With `token`, every request must carry `Authorization: Bearer <token>`. */
export const start = async (options: { readonly token?: string; readonly flags?: ReadonlyArray<FlagDocument> } = {}): Promise<ProviderFakeServer> => {
  const docs = new Map<string, FlagDocument>((options.flags ?? []).map((d) => [d.key, d]))
  const raw = new Map<string, { body: string; etag: string }>()
  const requests: Array<ProviderFakeRequest> = []
  let bodies = 0
  let failure: { status: number; body: string } | undefined
  let delayMs = 0

  const answer = (req: Http.IncomingMessage, res: Http.ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://fake")
    const match = /^\/v1\/flags\/([^/]+)$/.exec(url.pathname)
    const key = match === null ? "" : decodeURIComponent(match[1]!)
    const ifNoneMatch = req.headers["if-none-match"]
    const authorization = req.headers.authorization
    const send = (status: number, body?: string, headers: Record<string, string> = {}) => {
      requests.push({ key, ifNoneMatch, authorization, status })
      if (status === 200) bodies++
      res.writeHead(status, body === undefined ? headers : { "content-type": "application/json", ...headers })
      res.end(body)
    }
    if (options.token !== undefined && authorization !== `Bearer ${options.token}`) {
      return send(401, envelope("Unauthorized", "missing or invalid bearer token"), { "www-authenticate": "Bearer" })
    }
    if (req.method !== "GET" || match === null) return send(404, envelope("NotFound", `no route ${req.method} ${url.pathname}`))
    if (failure !== undefined) return send(failure.status, failure.body)
    const rawBody = raw.get(key)
    if (rawBody !== undefined) {
      if (ifNoneMatch === rawBody.etag) return send(304, undefined, { etag: rawBody.etag })
      return send(200, rawBody.body, { etag: rawBody.etag })
    }
    const doc = docs.get(key)
    if (doc === undefined) return send(404, envelope("NotFound", `flag ${key} not found`))
    const etag = `"${doc.version}"`
    const tags = (ifNoneMatch ?? "").split(",").map((t) => t.trim().replace(/^W\//, ""))
    if (tags.includes(etag) || ifNoneMatch === "*") return send(304, undefined, { etag, "cache-control": "no-cache" })
    send(200, JSON.stringify(doc), { etag, "cache-control": "no-cache" })
  }

  const server = Http.createServer((req, res) => {
    req.resume()
    if (delayMs > 0) setTimeout(() => answer(req, res), delayMs)
    else answer(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    bodiesSent: () => bodies,
    put: (doc) => {
      raw.delete(doc.key)
      docs.set(doc.key, doc)
    },
    update: (key, patch) => {
      const old = docs.get(key)
      if (old === undefined) throw new Error(`fake: no flag ${key}`)
      const next: FlagDocument = { ...old, ...patch, version: old.version + 1, updatedAt: Math.max(old.updatedAt + 1, Date.now()) }
      raw.delete(key)
      docs.set(key, next)
      return next
    },
    remove: (key) => {
      raw.delete(key)
      docs.delete(key)
    },
    putRaw: (key, body, etag) => raw.set(key, { body, etag }),
    failWith: (status, body = envelope("Unavailable", "flag store unavailable")) => {
      failure = status === undefined ? undefined : { status, body }
    },
    delay: (ms) => {
      delayMs = ms
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
