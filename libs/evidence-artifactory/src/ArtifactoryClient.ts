/**
 * A small JFrog Artifactory REST client for the endpoints Rollwise uses:
 * Upload Build (`PUT /api/build`), Deploy Artifact by Checksum then Deploy
 * Artifact (`PUT /{repo}/{path}`), File Info and Set/Delete Item Properties
 * (`/api/storage/{repo}/{path}`), and AQL (`POST /api/search/aql`).
 */
import { createHash } from "node:crypto"
import { Redaction } from "@rollwise/redaction"
import { Data, Duration, Effect, Redacted } from "effect"
import type * as BuildInfo from "./BuildInfo.ts"

/**
 * Artifactory said no, or could not be reached. One reason per answer a
 * caller treats differently: `Unauthorized` (401: no or a bad access
 * token), `Forbidden` (403: the token lacks a permission), `NotFound`
 * (404: no such repository, item or build), `Conflict` (409: a checksum
 * mismatch, or the repository refuses to overwrite), `BadRequest` (400),
 * `Unavailable` (unreachable, timed out, 5xx or 429 after every retry),
 * `BadResponse` (an answer that is not what the API documents). `detail`
 * quotes Artifactory's own message with every credential redacted.
 */
export class ArtifactoryError extends Data.TaggedError("ArtifactoryError")<{
  readonly reason: "Unauthorized" | "Forbidden" | "NotFound" | "Conflict" | "BadRequest" | "Unavailable" | "BadResponse"
  readonly detail: string
  /** What was asked: `PUT /api/build`. */
  readonly request: string
  readonly status?: number
  readonly cause?: unknown
}> {
  override get message(): string {
    const status = this.status === undefined ? "" : ` (HTTP ${this.status})`
    switch (this.reason) {
      case "Unauthorized":
        return `Artifactory refused the access token${status} on ${this.request}: ${this.detail}; check ROLLWISE_ARTIFACTORY_TOKEN or --token-file`
      case "Forbidden":
        return `the access token may not do this${status}: ${this.request}: ${this.detail}; it needs deploy and annotate permission on the repository and deploy permission for builds`
      case "NotFound":
        return `not found in Artifactory${status}: ${this.request}: ${this.detail}`
      case "Conflict":
        return `Artifactory refused a conflicting write${status}: ${this.request}: ${this.detail}`
      case "BadRequest":
        return `Artifactory rejected the request${status}: ${this.request}: ${this.detail}`
      case "Unavailable":
        return `Artifactory is unavailable${status}: ${this.request}: ${this.detail}`
      case "BadResponse":
        return `Artifactory answered ${this.request} with something unexpected${status}: ${this.detail}`
    }
  }
}

/** How to reach Artifactory. */
export interface Options {
  /** The base URL including the context, e.g. `https://acme.jfrog.io/artifactory`. */
  readonly url: string
  /** An access token, sent as `Authorization: Bearer`; never logged, never in an error. */
  readonly token: Redacted.Redacted<string>
  /** Per-request timeout (default 30 s). */
  readonly timeout?: Duration.Input
  /** Retries after a 5xx, a 429, a timeout or an unreachable server (default 4); never after any other answer. */
  readonly retries?: number
  /** First backoff delay, doubled each retry with jitter (default 250 ms), unless Artifactory sends `Retry-After`. */
  readonly backoff?: Duration.Input
  /** Longest wait honoured from a `Retry-After` (default 60 s); a longer one waits this long. */
  readonly maxRetryAfter?: Duration.Input
}

/** File Info's checksums: what a build-info artifact needs. */
export interface Checksums {
  readonly sha1: string
  readonly sha256: string
  readonly md5: string
}

/** What File Info tells about a file. */
export interface FileInfo {
  readonly repo: string
  readonly path: string
  readonly size: number
  readonly downloadUri: string
  readonly checksums: Checksums
}

/** A deployed file, and whether its bytes had to be sent (false: Artifactory had them, the checksum deploy sufficed). */
export interface Deployed extends FileInfo {
  readonly uploaded: boolean
}

/** An AQL answer: the rows and the range Artifactory reports. */
export interface AqlResult {
  readonly results: ReadonlyArray<Record<string, unknown>>
  readonly range: {
    readonly start_pos: number
    readonly end_pos: number
    readonly total: number
    readonly limit?: number
    /** Set when Artifactory's search hard limit trimmed the results. */
    readonly notification?: string
  }
}

/** The checksums of some bytes, as Artifactory computes them. */
export const checksumsOf = (bytes: Uint8Array): Checksums => ({
  sha1: createHash("sha1").update(bytes).digest("hex"),
  sha256: createHash("sha256").update(bytes).digest("hex"),
  md5: createHash("md5").update(bytes).digest("hex")
})

/** A path in a repository with each segment percent-encoded (slashes kept). */
export const encodePath = (path: string): string => path.split("/").filter((s) => s !== "").map(encodeURIComponent).join("/")

/** A key or value of `?properties=` with the characters the API lets one escape escaped by a backslash. */
const escapeProperty = (text: string) => text.replace(/[\\,|=]/g, (c) => `\\${c}`)

/**
 * The `properties` parameter of Set Item Properties: `key=v1,v2;key2=v3`,
 * with `\` before every `,` `|` `=` `\` of a key or value (JFrog: "add an
 * encoded backslash (%5C) before them"), percent-encoded as a whole. A `;`
 * cannot be sent (it separates properties, and `\;` separates values):
 * `setProperties` refuses it.
 */
export const propertiesParam = (properties: Readonly<Record<string, string | ReadonlyArray<string>>>): string =>
  encodeURIComponent(
    Object.entries(properties)
      .map(([key, value]) => `${escapeProperty(key)}=${(typeof value === "string" ? [value] : value).map(escapeProperty).join(",")}`)
      .join(";")
  )

const retryable = (status: number) => status === 429 || status >= 500

/** `Retry-After` in ms: seconds or an HTTP date; undefined when absent or unreadable. */
export const retryAfterMs = (header: string | null, now: number = Date.now()): number | undefined => {
  if (header === null || header.trim() === "") return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** The messages of Artifactory's `{"errors":[{"status":…,"message":…}]}`, or the start of whatever else came back. */
const messageOf = (text: string): string => {
  try {
    const doc = JSON.parse(text) as { errors?: ReadonlyArray<{ message?: unknown }> }
    const messages = (doc.errors ?? []).map((e) => (typeof e.message === "string" ? e.message : "")).filter((m) => m !== "")
    if (messages.length > 0) return messages.join("; ")
  } catch {
    // not JSON: a proxy's page, say
  }
  const flat = text.replace(/\s+/g, " ").trim()
  return flat === "" ? "no message" : flat.length > 200 ? `${flat.slice(0, 200)}…` : flat
}

const reasonOf = (status: number): ArtifactoryError["reason"] =>
  status === 401 ? "Unauthorized" : status === 403 ? "Forbidden" : status === 404 ? "NotFound" : status === 409 ? "Conflict" : status >= 500 || status === 429 ? "Unavailable" : status >= 400 ? "BadRequest" : "BadResponse"

/** The most specific system error code in a cause chain (ECONNREFUSED …). */
const transportCode = (error: unknown): string => {
  let current: unknown = error
  let deepest = "transport error"
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) return code
    const message = (current as { message?: unknown }).message
    if (typeof message === "string" && message !== "") deepest = message
    current = (current as { cause?: unknown }).cause
  }
  return deepest
}

interface Call {
  readonly method: "GET" | "PUT" | "POST" | "DELETE"
  /** After the base URL, starting with `/`; may carry a query. */
  readonly path: string
  /** How the request is named in errors (no query values). */
  readonly label: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: Uint8Array | string
}

interface Answer {
  readonly status: number
  readonly text: string
}

/**
 * A client bound to one Artifactory and token. Every answer Artifactory (or a
 * proxy before it) sends back passes through `Redaction.redact` with the
 * token before it becomes part of an error.
 */
export const make = (options: Options) => {
  const base = (() => {
    try {
      const u = new URL(options.url)
      u.username = ""
      u.password = ""
      return u.toString().replace(/\/+$/, "")
    } catch {
      return options.url.replace(/\/+$/, "")
    }
  })()
  const token = Redacted.value(options.token)
  const secrets = [token]
  const clean = (text: string) => Redaction.redact(text, secrets)
  const timeoutMs = Duration.toMillis(Duration.fromInputUnsafe(options.timeout ?? Duration.seconds(30)))
  const retries = options.retries ?? 4
  const backoffMs = Duration.toMillis(Duration.fromInputUnsafe(options.backoff ?? Duration.millis(250)))
  const maxRetryAfterMs = Duration.toMillis(Duration.fromInputUnsafe(options.maxRetryAfter ?? Duration.seconds(60)))

  const fail = (call: Call, reason: ArtifactoryError["reason"], detail: string, status?: number, cause?: unknown) =>
    new ArtifactoryError({ reason, detail: clean(detail), request: `${call.method} ${call.label}`, ...(status !== undefined ? { status } : {}), ...(cause !== undefined ? { cause } : {}) })

  /** One attempt: the status and body, or a transport failure (retryable). */
  const attempt = (call: Call) =>
    Effect.tryPromise({
      try: async (signal): Promise<Answer & { readonly retryAfter: string | null }> => {
        const response = await fetch(`${base}${call.path}`, {
          method: call.method,
          headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...call.headers },
          ...(call.body !== undefined ? { body: call.body } : {}),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        })
        return { status: response.status, text: await response.text(), retryAfter: response.headers.get("retry-after") }
      },
      catch: (cause) =>
        fail(
          call,
          "Unavailable",
          (cause as { name?: unknown })?.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : `cannot reach ${base} (${transportCode(cause)})`,
          undefined,
          // the cause is kept for --debug, without the request (it holds the token)
          new Error(clean(transportCode(cause)))
        )
    })

  /** A call with retries on 5xx, 429 and transport failures, honouring Retry-After; any other answer is returned as it is. */
  const send = (call: Call): Effect.Effect<Answer, ArtifactoryError> =>
    Effect.gen(function* () {
      for (let n = 0; ; n++) {
        const result = yield* Effect.result(attempt(call))
        const last = n >= retries
        if (result._tag === "Failure") {
          if (last) return yield* Effect.fail(new ArtifactoryError({ ...result.failure, detail: `${result.failure.detail} (after ${n + 1} attempts)` }))
        } else if (!retryable(result.success.status) || last) {
          const { status, text } = result.success
          if (retryable(status)) return yield* fail(call, reasonOf(status), `${messageOf(text)} (after ${n + 1} attempts)`, status)
          return { status, text }
        }
        const hinted = result._tag === "Success" ? retryAfterMs(result.success.retryAfter) : undefined
        const wait = hinted !== undefined ? Math.min(hinted, maxRetryAfterMs) : backoffMs * 2 ** n * (0.5 + Math.random() / 2)
        yield* Effect.sleep(Duration.millis(wait))
      }
    })

  /**
   * Upload Build and AQL always exist: a 404 from them means the URL lacks
   * Artifactory's context (a JFrog Platform URL without `/artifactory`).
   */
  const hint = (call: Call, status: number) =>
    status === 404 && (call.path === "/api/build" || call.path === "/api/search/aql") && !/\/artifactory$/.test(base)
      ? ` (is the URL missing Artifactory's context? e.g. ${base}/artifactory)`
      : ""

  /** The answer when its status is one of `ok`, else the typed error for it. */
  const expect = (call: Call, ok: ReadonlyArray<number>) =>
    Effect.flatMap(send(call), (answer) =>
      ok.includes(answer.status) ? Effect.succeed(answer) : Effect.fail(fail(call, reasonOf(answer.status), `${messageOf(answer.text)}${hint(call, answer.status)}`, answer.status))
    )

  const json = (call: Call, answer: Answer) =>
    Effect.try({ try: () => JSON.parse(answer.text) as unknown, catch: () => fail(call, "BadResponse", "the body is not JSON", answer.status) })

  const fileInfoOf = (call: Call, doc: unknown): Effect.Effect<FileInfo, ArtifactoryError> => {
    const d = doc as { repo?: unknown; path?: unknown; size?: unknown; downloadUri?: unknown; checksums?: Partial<Record<keyof Checksums, unknown>> }
    const c = d?.checksums
    if (typeof c?.sha1 !== "string" || typeof c.sha256 !== "string" || typeof c.md5 !== "string") {
      return Effect.fail(fail(call, "BadResponse", "no sha1, sha256 and md5 under checksums"))
    }
    return Effect.succeed({
      repo: String(d.repo ?? ""),
      path: String(d.path ?? "").replace(/^\//, ""),
      size: Number(d.size ?? Number.NaN),
      downloadUri: String(d.downloadUri ?? ""),
      checksums: { sha1: c.sha1, sha256: c.sha256, md5: c.md5 }
    })
  }

  const storagePath = (repo: string, path: string) => `/api/storage/${encodeURIComponent(repo)}/${encodePath(path)}`

  return {
    /** The base URL (without credentials). */
    url: base,
    /** `PUT /api/build`: publish (or replace) a build-info. */
    publishBuild: (buildInfo: BuildInfo.BuildInfo) => {
      const call: Call = { method: "PUT", path: "/api/build", label: "/api/build", headers: { "Content-Type": "application/json" }, body: JSON.stringify(buildInfo) }
      return Effect.asVoid(expect(call, [200, 201, 204]))
    },
    /** `GET /api/build/{name}/{number}`: the published build-info as stored. */
    getBuild: (name: string, number: string) => {
      const path = `/api/build/${encodeURIComponent(name)}/${encodeURIComponent(number)}`
      const call: Call = { method: "GET", path, label: path }
      return expect(call, [200]).pipe(
        Effect.flatMap((a) => json(call, a)),
        Effect.map((doc) => (doc as { buildInfo?: unknown }).buildInfo)
      )
    },
    /** `GET /api/storage/{repo}/{path}`: File Info (NotFound when there is no such file). */
    fileInfo: (repo: string, path: string) => {
      const call: Call = { method: "GET", path: storagePath(repo, path), label: storagePath(repo, path) }
      return expect(call, [200]).pipe(
        Effect.flatMap((a) => json(call, a)),
        Effect.flatMap((doc) => fileInfoOf(call, doc))
      )
    },
    /** `GET /api/storage/{repo}/{path}?properties`: the item's properties ({} when it has none). */
    getProperties: (repo: string, path: string) => {
      const call: Call = { method: "GET", path: `${storagePath(repo, path)}?properties`, label: `${storagePath(repo, path)}?properties` }
      return send(call).pipe(
        Effect.flatMap((a) =>
          a.status === 404 && /No properties could be found/.test(a.text)
            ? Effect.succeed({} as Record<string, ReadonlyArray<string>>)
            : a.status === 200
              ? Effect.map(json(call, a), (doc) => ((doc as { properties?: Record<string, ReadonlyArray<string>> }).properties ?? {}))
              : Effect.fail(fail(call, reasonOf(a.status), messageOf(a.text), a.status))
        )
      )
    },
    /**
     * Deploy bytes to `repo/path`, checksum first: `PUT` with
     * `X-Checksum-Deploy: true` and the SHA-256 and SHA-1, no body; only when
     * Artifactory answers 404 (it does not know the content) the bytes are
     * sent, with their checksums, which it verifies (409 on a mismatch).
     */
    deploy: (repo: string, path: string, bytes: Uint8Array, contentType = "application/octet-stream"): Effect.Effect<Deployed, ArtifactoryError> => {
      const sums = checksumsOf(bytes)
      const target = `/${encodeURIComponent(repo)}/${encodePath(path)}`
      const byChecksum: Call = {
        method: "PUT",
        path: target,
        label: `${target} (checksum deploy)`,
        headers: { "X-Checksum-Deploy": "true", "X-Checksum-Sha256": sums.sha256, "X-Checksum-Sha1": sums.sha1 }
      }
      const upload: Call = {
        method: "PUT",
        path: target,
        label: target,
        headers: { "Content-Type": contentType, "X-Checksum-Sha256": sums.sha256, "X-Checksum-Sha1": sums.sha1, "X-Checksum": sums.md5 },
        body: bytes
      }
      return Effect.gen(function* () {
        const first = yield* send(byChecksum)
        if (first.status === 200 || first.status === 201) {
          const info = yield* Effect.flatMap(json(byChecksum, first), (doc) => fileInfoOf(byChecksum, doc))
          return { ...info, uploaded: false }
        }
        if (first.status !== 404) return yield* fail(byChecksum, reasonOf(first.status), messageOf(first.text), first.status)
        const second = yield* expect(upload, [200, 201])
        const info = yield* Effect.flatMap(json(upload, second), (doc) => fileInfoOf(upload, doc))
        return { ...info, uploaded: true }
      })
    },
    /** `PUT /api/storage/{repo}/{path}?properties=…`: add or replace these properties (others stay). */
    setProperties: (repo: string, path: string, properties: Readonly<Record<string, string | ReadonlyArray<string>>>) => {
      const call: Call = { method: "PUT", path: `${storagePath(repo, path)}?properties=${propertiesParam(properties)}&recursive=0`, label: `${storagePath(repo, path)}?properties` }
      const semicolon = Object.entries(properties).find(([k, v]) => k.includes(";") || (typeof v === "string" ? [v] : v).some((x) => x.includes(";")))
      return semicolon !== undefined
        ? Effect.fail(fail(call, "BadRequest", `property ${JSON.stringify(semicolon[0])}: Set Item Properties cannot carry a ";" (it separates properties and values)`))
        : Effect.asVoid(expect(call, [200, 204]))
    },
    /** `DELETE /api/storage/{repo}/{path}?properties=k1,k2`: remove these properties. */
    deleteProperties: (repo: string, path: string, keys: ReadonlyArray<string>) => {
      const call: Call = { method: "DELETE", path: `${storagePath(repo, path)}?properties=${keys.map(encodeURIComponent).join(",")}&recursive=0`, label: `${storagePath(repo, path)}?properties` }
      return Effect.asVoid(expect(call, [200, 204]))
    },
    /** `POST /api/search/aql` with the query as text/plain. */
    aql: (query: string): Effect.Effect<AqlResult, ArtifactoryError> => {
      const call: Call = { method: "POST", path: "/api/search/aql", label: "/api/search/aql", headers: { "Content-Type": "text/plain" }, body: query }
      return expect(call, [200]).pipe(
        Effect.flatMap((a) => json(call, a)),
        Effect.flatMap((doc) => {
          const d = doc as { results?: unknown; range?: AqlResult["range"] }
          return Array.isArray(d?.results)
            ? Effect.succeed({ results: d.results as AqlResult["results"], range: d.range ?? { start_pos: 0, end_pos: d.results.length, total: d.results.length } })
            : Effect.fail(fail(call, "BadResponse", "no results array"))
        })
      )
    }
  }
}

/** A client made by {@link make}. */
export type Client = ReturnType<typeof make>
