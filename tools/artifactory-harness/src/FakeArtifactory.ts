/**
 * A fake JFrog Artifactory on 127.0.0.1, built from JFrog's REST API
 * documentation for the endpoints Rollwise uses, and never kinder than the
 * real one:
 *
 * - auth: every request needs `Authorization: Bearer <access token>`;
 *   without one it answers 401 with `WWW-Authenticate: Basic realm="Artifactory Realm"`,
 *   with a wrong one 401 "Bad credentials"; a read-only token gets 403 on writes;
 * - errors are Artifactory's pretty-printed `{"errors" : [ {"status" : N, "message" : "…"} ]}`;
 * - `PUT /api/build` (Upload Build, 204), `GET /api/build/{name}/{number}` (Build Info);
 * - `PUT /{repo}/{path}` (Deploy Artifact, 201 ItemCreated), with
 *   `X-Checksum-Deploy: true` (Deploy Artifact by Checksum: 201 when the
 *   content is known by its SHA-256/SHA-1, 404 "Checksum deploy failed. No
 *   existing file with …" when not, 400 without a checksum header), and 409
 *   when a declared checksum does not match the bytes;
 * - `GET /api/storage/{repo}/{path}` (File Info), `?properties` (Get Item
 *   Properties), `PUT …?properties=` (Set Item Properties, `;` or `|`
 *   between properties, `,` between values, `\` escapes), `DELETE
 *   …?properties=` (Delete Item Properties);
 * - `POST /api/search/aql` over what it stores (see internal/aql.ts);
 * - injectable faults: a status (429 with Retry-After, 500, 503, 409 …)
 *   and/or a delay for the next requests matching a method and path.
 */
import { createHash, randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as Aql from "./internal/aql.ts"

/** How the fake starts. */
export interface FakeArtifactoryOptions {
  /** The access token with deploy and annotate rights (default: random). */
  readonly token?: string
  /** A token that may read and search, but gets 403 on every write (default: random). */
  readonly readOnlyToken?: string
  /** Local repositories that exist (default: rollwise-evidence, libs-release-local). */
  readonly repos?: ReadonlyArray<string>
  /** AQL's search hard limit (`artifactory.search.userQueryLimit`): more rows are trimmed, with Artifactory's notification (default: none). */
  readonly aqlLimit?: number
}

/**
 * A failure or slowness to inject into the next `count` requests (default 1)
 * whose method and path (after `/artifactory`, e.g. `/api/build`) match.
 * With `status`, the request is answered with it (an Artifactory error body,
 * and `Retry-After` when given) and not carried out; with only `delayMs`,
 * it is carried out after the delay.
 */
export interface Fault {
  readonly method?: string
  /** A prefix of the path, or a pattern. */
  readonly path?: string | RegExp
  readonly status?: number
  readonly message?: string
  /** Seconds, sent as `Retry-After`. */
  readonly retryAfter?: number
  readonly delayMs?: number
  readonly count?: number
}

/** A stored file. */
export interface StoredFile {
  readonly repo: string
  readonly path: string
  readonly bytes: Buffer
  readonly sha1: string
  readonly sha256: string
  readonly md5: string
  readonly created: string
  readonly properties: Map<string, ReadonlyArray<string>>
  /** How the bytes arrived: uploaded, or copied by a checksum deploy. */
  readonly via: "upload" | "checksum" | "seed"
}

/** A request as the fake saw it (the Authorization header only as present or not). */
export interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly query: string
  readonly authorized: boolean
  readonly headers: Readonly<Record<string, string>>
  readonly status: number
  readonly bodyBytes: number
}

export interface FakeArtifactory {
  /** The base URL, ending in `/artifactory` like a real instance's. */
  readonly url: string
  readonly token: string
  readonly readOnlyToken: string
  /** Every request answered so far, in order. */
  readonly requests: ReadonlyArray<SeenRequest>
  inject(fault: Fault): void
  /** Put a file in place as if someone had deployed it (its properties too). */
  seed(repo: string, path: string, content: string | Uint8Array, properties?: Readonly<Record<string, ReadonlyArray<string>>>): StoredFile
  file(repo: string, path: string): StoredFile | undefined
  files(): ReadonlyArray<StoredFile>
  /** Published build-info documents, as received, by `name/number`. */
  build(name: string, number: string): Record<string, unknown> | undefined
  builds(): ReadonlyArray<Record<string, unknown>>
  close(): Promise<void>
}

const hash = (algorithm: string, bytes: Uint8Array) => createHash(algorithm).update(bytes).digest("hex")

/** Artifactory's error body: Jackson's pretty printer, two-space indent, `" : "`. */
export const errorBody = (status: number, message: string): string =>
  `{\n  "errors" : [ {\n    "status" : ${status},\n    "message" : ${JSON.stringify(message)}\n  } ]\n}`

/** ISO 8601 with milliseconds and a numeric zone, as Artifactory writes dates. */
const isoDate = (ms: number) => new Date(ms).toISOString().replace("Z", "+0000")

/** Split `text` on `separators` not preceded by a backslash. */
const splitUnescaped = (text: string, separators: string): Array<string> => {
  const parts: Array<string> = []
  let current = ""
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === "\\" && i + 1 < text.length) {
      current += c + text[i + 1]
      i++
    } else if (separators.includes(c)) {
      parts.push(current)
      current = ""
    } else current += c
  }
  parts.push(current)
  return parts
}
const unescape = (text: string) => text.replace(/\\(.)/gs, "$1")

/**
 * `?properties=` of Set Item Properties, already percent-decoded, as JFrog
 * documents it: properties separated by `;` or `|`, a key and its values by
 * the first `=`, values by `,` or by an escaped semicolon `\;`; a backslash
 * before `,` `\` `|` `=` makes it literal. A literal `;` cannot be sent.
 */
export const parseProperties = (text: string): Map<string, Array<string>> => {
  const out = new Map<string, Array<string>>()
  for (const part of splitUnescaped(text, ";|")) {
    if (part === "") continue
    const [key, ...rest] = splitUnescaped(part, "=")
    const value = rest.join("=")
    const values = splitUnescaped(value, ",").flatMap((v) => v.split("\\;"))
    out.set(unescape(key!), values.map(unescape))
  }
  return out
}

const forbiddenKey = /[)(}{\][*+^$\\/~`!@#%&<>;=,±§ ]/

/** Start the fake on a free loopback port. */
export const start = async (options: FakeArtifactoryOptions = {}): Promise<FakeArtifactory> => {
  const token = options.token ?? `cmVmdGtuOjAxOj${randomBytes(18).toString("base64url")}`
  const readOnlyToken = options.readOnlyToken ?? `cmVmdGtuOjAxOj${randomBytes(18).toString("base64url")}`
  const repos = new Set(options.repos ?? ["rollwise-evidence", "libs-release-local"])
  const files = new Map<string, StoredFile>()
  const builds = new Map<string, { readonly doc: Record<string, unknown>; readonly created: number }>()
  const faults: Array<Fault & { remaining: number }> = []
  const requests: Array<SeenRequest> = []
  let base = ""

  const keyOf = (repo: string, path: string) => `${repo}/${path}`
  const store = (repo: string, path: string, bytes: Buffer, via: StoredFile["via"], properties = new Map<string, ReadonlyArray<string>>()): StoredFile => {
    const previous = files.get(keyOf(repo, path))
    const file: StoredFile = {
      repo,
      path,
      bytes,
      sha1: hash("sha1", bytes),
      sha256: hash("sha256", bytes),
      md5: hash("md5", bytes),
      created: previous?.created ?? isoDate(Date.now()),
      properties: previous?.properties ?? properties,
      via
    }
    files.set(keyOf(repo, path), file)
    return file
  }
  const fileInfo = (f: StoredFile) => ({
    repo: f.repo,
    path: `/${f.path}`,
    created: f.created,
    createdBy: "rollwise",
    lastModified: f.created,
    modifiedBy: "rollwise",
    lastUpdated: f.created,
    downloadUri: `${base}/${f.repo}/${f.path}`,
    mimeType: f.path.endsWith(".json") ? "application/json" : f.path.endsWith(".html") ? "text/html" : f.path.endsWith(".svg") ? "image/svg+xml" : "application/octet-stream",
    size: String(f.bytes.length),
    checksums: { sha1: f.sha1, md5: f.md5, sha256: f.sha256 },
    originalChecksums: { sha1: f.sha1, md5: f.md5, sha256: f.sha256 },
    uri: `${base}/api/storage/${f.repo}/${f.path}`
  })

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://fake")
    const method = req.method ?? "GET"
    const send = (status: number, payload?: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { ...(payload !== undefined ? { "Content-Type": "application/json" } : {}), ...headers })
      res.end(payload)
    }
    const error = (status: number, message: string, headers: Record<string, string> = {}) => send(status, errorBody(status, message), headers)

    if (!url.pathname.startsWith("/artifactory/")) return error(404, "Not Found")
    const path = url.pathname.slice("/artifactory".length)

    const fault = faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (f.path === undefined || (typeof f.path === "string" ? path.startsWith(f.path) : f.path.test(path)))
    )
    if (fault !== undefined) {
      fault.remaining--
      if (fault.delayMs !== undefined) await new Promise((r) => setTimeout(r, fault.delayMs))
      if (fault.status !== undefined) {
        const message =
          fault.message ??
          (fault.status === 429 ? "Too Many Requests" : fault.status === 409 ? "Conflict" : fault.status >= 500 ? "Internal Server Error" : "Fault")
        return error(fault.status, message, fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : {})
      }
    }

    // auth: an access token as a Bearer credential
    const authorization = req.headers.authorization
    if (authorization === undefined) {
      return error(401, "Authentication is required", { "WWW-Authenticate": 'Basic realm="Artifactory Realm"' })
    }
    const presented = /^Bearer (.+)$/.exec(authorization)?.[1]
    if (presented !== token && presented !== readOnlyToken) {
      return error(401, "Bad credentials", { "WWW-Authenticate": 'Basic realm="Artifactory Realm"' })
    }
    const canWrite = presented === token
    const principal = canWrite ? "rollwise" : "reader"

    // Build Info
    if (path === "/api/build") {
      if (method !== "PUT") return error(405, "Method Not Allowed")
      if (!canWrite) return error(403, `User token:${principal} is not permitted to deploy build info`)
      if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return error(415, "Unsupported Media Type")
      let doc: unknown
      try {
        doc = JSON.parse(body.toString("utf8"))
      } catch {
        return error(400, "Can not parse build info: invalid JSON")
      }
      const d = doc as Record<string, unknown>
      for (const field of ["name", "number", "started"]) {
        if (typeof d?.[field] !== "string" || d[field] === "") return error(400, `Build ${field} is missing or empty`)
      }
      builds.set(`${d["name"]}/${d["number"]}`, { doc: d, created: Date.now() })
      return send(204)
    }
    const buildPath = /^\/api\/build\/([^/]+)\/([^/]+)$/.exec(path)
    if (buildPath !== null && method === "GET") {
      const [name, number] = [decodeURIComponent(buildPath[1]!), decodeURIComponent(buildPath[2]!)]
      const found = builds.get(`${name}/${number}`)
      if (found === undefined) return error(404, `No build was found for build name: ${name}, build number: ${number}`)
      return send(200, JSON.stringify({ uri: `${base}/api/build/${buildPath[1]}/${buildPath[2]}`, buildInfo: found.doc }, null, 2))
    }

    // AQL
    if (path === "/api/search/aql") {
      if (method !== "POST") return error(405, "Method Not Allowed")
      let query: Aql.Query
      let rows: ReadonlyArray<Aql.Row>
      try {
        query = Aql.parse(body.toString("utf8"))
        rows =
          query.domain === "builds"
            ? [...builds.values()].map(({ doc, created }) => ({
                fields: { name: String(doc["name"]), number: String(doc["number"]), started: String(doc["started"]), created: isoDate(created), created_by: "rollwise", url: String(doc["url"] ?? "") },
                properties: new Map(Object.entries((doc["properties"] as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, [String(v)]]))
              }))
            : [...files.values()].map((f) => ({
                fields: { repo: f.repo, path: f.path.includes("/") ? f.path.slice(0, f.path.lastIndexOf("/")) : ".", name: f.path.slice(f.path.lastIndexOf("/") + 1), type: "file", size: f.bytes.length, created: f.created, sha256: f.sha256, actual_sha1: f.sha1, actual_md5: f.md5 },
                properties: f.properties
              }))
        rows = Aql.run(query, rows)
      } catch (e) {
        return error(400, e instanceof Error ? e.message : String(e))
      }
      const include = query.include
      // .include("property.*") adds every property; .include("@key") only that one, and drops rows without it
      const allProperties = include?.some((f) => f.startsWith("property.")) ?? false
      const someProperties = (include ?? []).filter((f) => f.startsWith("@")).map((f) => f.slice(1))
      if (!allProperties && someProperties.length > 0) rows = rows.filter((r) => someProperties.some((k) => r.properties.has(k)))
      const prefix = query.domain === "builds" ? "build." : ""
      const defaults = query.domain === "builds" ? ["name", "number", "started", "created", "created_by", "url"] : ["repo", "path", "name", "type", "size", "created"]
      const fields = include === undefined ? defaults : include.filter((f) => !f.startsWith("property.") && !f.startsWith("@"))
      const results = rows.map((r) => {
        const out: Record<string, unknown> = {}
        for (const f of fields) if (r.fields[f] !== undefined) out[`${prefix}${f}`] = r.fields[f]
        if (allProperties || someProperties.length > 0) {
          const pairs = [...r.properties].filter(([key]) => allProperties || someProperties.includes(key)).flatMap(([key, values]) => values.map((value) => ({ key, value })))
          if (query.domain === "builds") out["build.properties"] = pairs.map((p) => ({ "build.property.key": p.key, "build.property.value": p.value }))
          else out["properties"] = pairs
        }
        return out
      })
      const offset = query.offset ?? 0
      const hard = options.aqlLimit
      const trimmed = hard !== undefined && results.length > hard
      const shown = trimmed ? results.slice(0, hard) : results
      return send(
        200,
        JSON.stringify(
          {
            results: shown,
            range: {
              start_pos: offset,
              end_pos: offset + shown.length,
              total: shown.length,
              ...(query.limit !== undefined || trimmed ? { limit: trimmed ? hard : query.limit } : {}),
              ...(trimmed ? { notification: "AQL query reached the search hard limit, results are trimmed." } : {})
            }
          },
          null,
          2
        )
      )
    }

    // Storage API: file info and properties
    const storage = /^\/api\/storage\/([^/]+)\/(.+)$/.exec(path)
    if (storage !== null) {
      const repo = decodeURIComponent(storage[1]!)
      const itemPath = storage[2]!.split("/").map(decodeURIComponent).join("/")
      const file = files.get(keyOf(repo, itemPath))
      const props = url.searchParams.get("properties")
      if (method === "GET") {
        if (file === undefined) return error(404, "Unable to find item")
        if (url.searchParams.has("properties")) {
          const wanted = props === null || props === "" ? undefined : props.split(",")
          const entries = [...file.properties].filter(([k]) => wanted === undefined || wanted.includes(k))
          if (entries.length === 0) return error(404, "No properties could be found.")
          return send(200, JSON.stringify({ uri: `${base}/api/storage/${repo}/${itemPath}`, properties: Object.fromEntries(entries) }, null, 2))
        }
        return send(200, JSON.stringify(fileInfo(file), null, 2))
      }
      if (method === "PUT" || method === "DELETE") {
        if (!canWrite) return error(403, `User ${principal} is not permitted to annotate '${itemPath}' in '${repo}'.`)
        if (!repos.has(repo)) return error(404, `Failed to find the repository '${repo}' specified in the request.`)
        if (file === undefined) return error(404, "Unable to find item")
        if (method === "PUT") {
          if (props === null || props === "") return error(400, "Properties value cannot be empty.")
          const parsed = parseProperties(props)
          for (const key of parsed.keys()) {
            if (key === "" || forbiddenKey.test(key)) return error(400, `Invalid property key '${key}'`)
          }
          for (const [k, v] of parsed) file.properties.set(k, v)
          return send(204)
        }
        if (props === null || props === "") return error(400, "Unspecified properties to delete.")
        for (const key of props.split(",")) file.properties.delete(key)
        return send(204)
      }
      return error(405, "Method Not Allowed")
    }

    if (path.startsWith("/api/")) return error(404, "Not Found")

    // Deploy Artifact (by checksum)
    const deploy = /^\/([^/]+)\/(.+)$/.exec(path)
    if (deploy !== null && method === "PUT") {
      const repo = decodeURIComponent(deploy[1]!)
      const itemPath = deploy[2]!.split("/").map(decodeURIComponent).join("/")
      if (!repos.has(repo)) return error(404, `Could not find a local repository named ${repo} to deploy to.`)
      if (!canWrite) return error(403, `User ${principal} is not permitted to deploy '${itemPath}' into '${repo}:${itemPath}'.`)
      const sha256 = (req.headers["x-checksum-sha256"] as string | undefined)?.toLowerCase()
      const sha1 = (req.headers["x-checksum-sha1"] as string | undefined)?.toLowerCase()
      let stored: StoredFile
      if ((req.headers["x-checksum-deploy"] as string | undefined)?.toLowerCase() === "true") {
        if (sha256 === undefined && sha1 === undefined) return error(400, "Checksum deploy failed. no checksum header 'X-Checksum-Sha1/X-Checksum-Sha256' was found.")
        if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) return error(404, `Checksum deploy failed. Invalid SHA256: ${sha256}`)
        if (sha1 !== undefined && !/^[0-9a-f]{40}$/.test(sha1)) return error(404, `Checksum deploy failed. Invalid SHA1: ${sha1}`)
        const known = [...files.values()].find((f) => (sha256 !== undefined ? f.sha256 === sha256 : f.sha1 === sha1))
        if (known === undefined) {
          return error(404, sha256 !== undefined ? `Checksum deploy failed. No existing file with SHA256: ${sha256}` : `Checksum deploy failed. No existing file with SHA1: ${sha1}`)
        }
        stored = store(repo, itemPath, known.bytes, "checksum")
      } else {
        const actual = { sha256: hash("sha256", body), sha1: hash("sha1", body) }
        for (const [name, declared] of [["sha256", sha256], ["sha1", sha1]] as const) {
          if (declared !== undefined && declared !== actual[name]) {
            return error(409, `Checksum error for '${repo}:${itemPath}': received '${declared}' but actual is '${actual[name]}'`)
          }
        }
        stored = store(repo, itemPath, body, "upload")
      }
      return send(201, JSON.stringify(fileInfo(stored), null, 2), { Location: `${base}/${repo}/${itemPath}` })
    }
    if (deploy !== null && method === "GET") {
      const file = files.get(keyOf(decodeURIComponent(deploy[1]!), deploy[2]!.split("/").map(decodeURIComponent).join("/")))
      if (file === undefined) return error(404, "File not found.")
      res.writeHead(200, { "Content-Type": fileInfo(file).mimeType, "X-Checksum-Sha1": file.sha1, "X-Checksum-Sha256": file.sha256 })
      res.end(file.bytes)
      return
    }
    return error(404, "Not Found")
  }

  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks)
      const url = new URL(req.url ?? "/", "http://fake")
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) if (k !== "authorization" && typeof v === "string") headers[k] = v
      handle(req, res, body)
        .catch((e: unknown) => {
          if (!res.headersSent) {
            res.writeHead(500, { "Content-Type": "application/json" })
            res.end(errorBody(500, e instanceof Error ? e.message : String(e)))
          }
        })
        .finally(() =>
          requests.push({
            method: req.method ?? "GET",
            path: url.pathname.replace(/^\/artifactory/, ""),
            query: url.search,
            authorized: req.headers.authorization !== undefined,
            headers,
            status: res.statusCode,
            bodyBytes: body.length
          })
        )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/artifactory`

  return {
    url: base,
    token,
    readOnlyToken,
    requests,
    inject: (fault) => void faults.push({ ...fault, remaining: fault.count ?? 1 }),
    seed: (repo, path, content, properties = {}) => {
      repos.add(repo)
      return store(repo, path, Buffer.from(content), "seed", new Map(Object.entries(properties)))
    },
    file: (repo, path) => files.get(keyOf(repo, path)),
    files: () => [...files.values()],
    build: (name, number) => builds.get(`${name}/${number}`)?.doc,
    builds: () => [...builds.values()].map((b) => b.doc),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
