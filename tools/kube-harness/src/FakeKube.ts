/**
 * A fake Kubernetes API server on 127.0.0.1 for adapter tests, faithful
 * enough that the real `kubectl` (1.32) and `@kubernetes/client-node` work
 * against it: discovery, CRUD with resourceVersion/generation semantics,
 * merge / JSON / strategic merge patches, status subresources, watches,
 * Tables for `kubectl get`, Kubernetes `Status` errors — plus the
 * controllers a deploy target waits on (Deployments and their ReplicaSets,
 * Argo Rollouts canary and blue/green).
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { parse as parseYaml, stringify as stringifyYaml } from "yaml"
import {
  BUILTIN_PATCH_TYPES,
  Cluster,
  CUSTOM_PATCH_TYPES,
  nameOf,
  namespaceOf,
  patchDocument,
  targetOf,
  type Change,
  type PatchType,
  type Selection
} from "./internal/cluster.ts"
import {
  badRequest,
  conflict,
  forbidden,
  internalError,
  invalid,
  KubeError,
  methodNotAllowed,
  notFound,
  pathNotFound,
  qualified,
  serviceUnavailable,
  unauthorized,
  unsupportedMediaType
} from "./internal/errors.ts"
import { clone, isObj, obj, str, type Obj } from "./internal/json.ts"
import { decodeProtobuf } from "./internal/protobuf.ts"
import { makeAnalysisRunController, type AnalysisOutcome } from "./internal/analysis.ts"
import { makeRolloutController } from "./internal/rollout.ts"
import {
  apiGroup,
  apiGroupList,
  apiVersionOf,
  resourceList,
  resourceOfKind,
  resourceOfPath,
  type ResourceType
} from "./internal/resources.ts"
import { Scheduler, type Reconcile } from "./internal/scheduler.ts"
import { parseFieldSelector, parseLabelSelector } from "./internal/selectors.ts"
import { toTable, wantsTable } from "./internal/table.ts"
import { reconcileDeployment, reconcileReplicaSet } from "./internal/workloads.ts"

/** How the fake behaves; every field is optional. */
export interface FakeKubeOptions {
  /** Delay before controllers react to a change, ms (default 10). */
  readonly reconcileDelayMs?: number
  /** Multiplier for Argo Rollout `pause: {duration}` seconds → real ms: ms = seconds * 1000 * pauseScale (default 0.001, so 10s → 10 ms). */
  readonly pauseScale?: number
  /** When set, every request must carry `Authorization: Bearer <token>`; otherwise 401 Unauthorized Status. */
  readonly token?: string
  /**
   * The outcome of one metric's measurement in an AnalysisRun (the run and
   * the metric as stored); undefined falls back to the default rule: a metric
   * named `…inconclusive…` is Inconclusive, one with an `interval` and no
   * `count` keeps Running until the run is terminated, any other Successful.
   * A metric that already completed keeps its phase.
   */
  readonly analysisOutcome?: (run: Record<string, unknown>, metric: Record<string, unknown>) => AnalysisOutcome | undefined
}

export type { AnalysisOutcome }

/** A failure to inject: the next `count` requests matching `method` and `path` get this status (a proper Status body). */
export interface FailRule {
  readonly method?: string // e.g. "PATCH"; any when absent
  readonly path: string | RegExp // matched against the URL path (string = substring)
  readonly status: 401 | 403 | 404 | 409 | 422 | 500 | 503
  readonly count?: number // default 1
  readonly message?: string
}

/** A request as the fake received it; `body` is parsed JSON (or YAML), the raw text when it is neither, undefined when empty. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: string
  readonly contentType: string | undefined
  readonly body: unknown
}

/** Which kubeconfig to write. */
export interface KubeconfigOptions {
  readonly namespace?: string
  readonly context?: string
  readonly token?: string
}

/** A running fake API server. Call `close()` when done. */
export interface FakeKube {
  readonly url: string // "http://127.0.0.1:<port>"
  /** kubeconfig YAML: one cluster (server=url, insecure-skip-tls-verify: true), one user (token when given), one context (default name "fake"), namespace default "default". */
  readonly kubeconfig: (options?: KubeconfigOptions) => string
  /** Write that kubeconfig into dir and return its path. */
  readonly writeKubeconfig: (dir: string, options?: KubeconfigOptions) => string
  /** Seed a resource directly (as if created): sets uid, resourceVersion, generation 1, creationTimestamp; controllers then react. Returns the stored object. */
  readonly create: (obj: Record<string, unknown>) => Record<string, unknown>
  /** Replace a resource as a user's PUT would (spec change bumps metadata.generation); controllers react. E.g. tests set a new image on a Rollout this way. */
  readonly update: (obj: Record<string, unknown>) => Record<string, unknown>
  readonly get: (apiVersion: string, kind: string, namespace: string, name: string) => Record<string, unknown> | undefined
  readonly list: (apiVersion: string, kind: string, namespace?: string) => ReadonlyArray<Record<string, unknown>>
  /** Make the next matching request(s) fail with a proper Kubernetes Status body. */
  readonly failNext: (rule: FailRule) => void
  /** Every request received, in order (for assertions, e.g. "status subresource patched with merge-patch"). */
  readonly requests: ReadonlyArray<RecordedRequest>
  /** Resolves when controllers are idle (no pending reconcile or pause timers due within 1 s). */
  readonly settle: () => Promise<void>
  readonly close: () => Promise<void>
}

const VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2024-12-11T00:00:00Z",
  goVersion: "go1.23.3",
  compiler: "gc",
  platform: "linux/amd64"
}

/** Where a request goes: a fixed document (discovery), a collection, or one object (maybe its /status). */
type Route =
  | { readonly type: "document"; readonly body: Obj }
  | { readonly type: "collection"; readonly resource: ResourceType; readonly namespace: string | undefined; readonly watch: boolean }
  | {
      readonly type: "item"
      readonly resource: ResourceType
      readonly namespace: string | undefined
      readonly name: string
      readonly subresource: "status" | "scale" | undefined
      readonly watch: boolean
    }

const resourceRoute = (group: string, version: string, rest: ReadonlyArray<string>): Route => {
  let segments = rest
  let watch = false
  if (segments[0] === "watch") {
    watch = true
    segments = segments.slice(1)
  }
  let namespace: string | undefined
  let plural: string | undefined
  let name: string | undefined
  let sub: string | undefined
  let extra: ReadonlyArray<string>
  if (segments[0] === "namespaces" && segments.length >= 3 && resourceOfPath(group, version, segments[2]!) !== undefined) {
    ;[, namespace, plural, name, sub, ...extra] = segments
  } else {
    ;[plural, name, sub, ...extra] = segments
  }
  const resource = plural === undefined ? undefined : resourceOfPath(group, version, plural)
  if (resource === undefined || extra.length > 0) throw pathNotFound()
  if (resource.namespaced && namespace === undefined && name !== undefined) throw pathNotFound()
  if (sub !== undefined && !((sub === "status" && resource.statusSubresource) || (sub === "scale" && resource.scaleSubresource))) throw pathNotFound()
  if (name === undefined) return { type: "collection", resource, namespace, watch }
  return { type: "item", resource, namespace, name: decodeURIComponent(name), subresource: sub as "status" | "scale" | undefined, watch }
}

const route = (pathname: string, address: string): Route => {
  const segments = pathname.split("/").filter((s) => s !== "")
  if (pathname === "/version" || pathname === "/version/") return { type: "document", body: VERSION }
  if (segments[0] === "api") {
    if (segments.length === 1) {
      return {
        type: "document",
        body: { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: address }] }
      }
    }
    if (segments[1] !== "v1") throw pathNotFound()
    if (segments.length === 2) return { type: "document", body: resourceList("", "v1")! }
    return resourceRoute("", "v1", segments.slice(2))
  }
  if (segments[0] === "apis") {
    if (segments.length === 1) return { type: "document", body: apiGroupList() }
    if (segments.length === 2) {
      const group = apiGroup(segments[1]!)
      if (group === undefined) throw pathNotFound()
      return { type: "document", body: group }
    }
    if (segments.length === 3) {
      const list = resourceList(segments[1]!, segments[2]!)
      if (list === undefined) throw pathNotFound()
      return { type: "document", body: list }
    }
    return resourceRoute(segments[1]!, segments[2]!, segments.slice(3))
  }
  throw pathNotFound()
}

const VERBS: Record<string, string> = { GET: "get", POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" }

/** The Status a FailRule produces, worded as the real server words it for that request. */
const injected = (rule: FailRule, target: Route | undefined, method: string, query: URLSearchParams): KubeError => {
  const item = target !== undefined && target.type !== "document" ? target : undefined
  const name = item?.type === "item" ? item.name : undefined
  const t = item === undefined ? { group: "", plural: "", kind: "" } : targetOf(item.resource, name)
  const withMessage = (e: KubeError) => (rule.message === undefined ? e : new KubeError(e.code, e.reason, rule.message, e.details))
  switch (rule.status) {
    case 401:
      return unauthorized(rule.message)
    case 403: {
      const watching = query.get("watch") === "true" || query.get("watch") === "1" || item?.watch === true
      const verb = watching ? "watch" : method === "GET" && name === undefined ? "list" : (VERBS[method] ?? method.toLowerCase())
      const resource = item === undefined ? "" : item.type === "item" && item.subresource !== undefined ? `${t.plural}/${item.subresource}` : t.plural
      const subject = item === undefined ? "the request" : name === undefined ? qualified(t) : `${qualified(t)} "${name}"`
      const where = item?.namespace === undefined ? "at the cluster scope" : `in the namespace "${item.namespace}"`
      return forbidden(
        t,
        rule.message ??
          `${subject} is forbidden: User "system:serviceaccount:rollwise:rollwise" cannot ${verb} resource "${resource}" in API group "${t.group}" ${where}`
      )
    }
    case 404:
      return withMessage(name === undefined ? pathNotFound() : notFound(t))
    case 409:
      return withMessage(conflict(t))
    case 422:
      return invalid(t, [{ reason: "FieldValueInvalid", message: rule.message ?? "Invalid value: rejected by the fake API server", field: "spec" }])
    case 500:
      return internalError(rule.message ?? "etcdserver: request timed out")
    case 503:
      return serviceUnavailable(rule.message)
  }
}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** The request body as data: JSON, YAML, or (for client-go's typed clients) protobuf; unparseable text stays a string. */
const parseBody = (bytes: Buffer, contentType: string | undefined): unknown => {
  if (bytes.length === 0) return undefined
  if (mediaType(contentType) === "application/vnd.kubernetes.protobuf") return decodeProtobuf(bytes)
  const raw = bytes.toString("utf8")
  if (raw.trim() === "") return undefined
  try {
    return JSON.parse(raw) as unknown
  } catch {
    if ((contentType ?? "").includes("yaml")) {
      try {
        return parseYaml(raw) as unknown
      } catch {
        return raw
      }
    }
    return raw
  }
}

const mediaType = (contentType: string | undefined): string => (contentType ?? "").split(";")[0]!.trim().toLowerCase()

const patchTypeOf = (contentType: string | undefined, resource: ResourceType): PatchType => {
  const type = mediaType(contentType)
  if (type === "application/merge-patch+json") return "merge"
  if (type === "application/json-patch+json") return "json"
  if (type === "application/strategic-merge-patch+json") return "strategic"
  if (type === "application/apply-patch+yaml") {
    throw new KubeError(415, "UnsupportedMediaType", "the fake API server does not implement server-side apply (application/apply-patch+yaml): use a merge, JSON or strategic merge patch", {})
  }
  throw unsupportedMediaType(type, resource.builtin ? BUILTIN_PATCH_TYPES : CUSTOM_PATCH_TYPES)
}

const writeBody = (body: unknown): Obj => {
  if (!isObj(body)) throw badRequest(typeof body === "string" ? `the body of the request could not be decoded as JSON or YAML: ${body.slice(0, 80)}` : "the body of the request is not a JSON object")
  return body
}

const isWatch = (query: URLSearchParams): boolean => query.get("watch") === "true" || query.get("watch") === "1"

/** Items of a list as the server sends them: built-in kinds drop each item's apiVersion and kind. */
const listItem = (resource: ResourceType, o: Obj): Obj => {
  if (!resource.builtin) return o
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = o
  return rest
}

/** The event a watch on `selection` sees for a change (or none), with objects moving in and out of a selector. */
const eventFor = (selection: Selection, change: Change): { readonly type: string; readonly object: Obj } | undefined => {
  if (change.resource !== selection.resource) return undefined
  const now = Cluster.selects(selection, change.object)
  const before = change.previous !== undefined && Cluster.selects(selection, change.previous)
  switch (change.type) {
    case "ADDED":
      return now ? { type: "ADDED", object: change.object } : undefined
    case "MODIFIED":
      if (before && now) return { type: "MODIFIED", object: change.object }
      if (now) return { type: "ADDED", object: change.object }
      if (before) return { type: "DELETED", object: change.object }
      return undefined
    case "DELETED":
      return before || now ? { type: "DELETED", object: change.object } : undefined
  }
}

/** Start a fake API server on 127.0.0.1 (a free port). */
export const startFakeKube = async (options: FakeKubeOptions = {}): Promise<FakeKube> => {
  const cluster = new Cluster()
  const controllers = new Map<ResourceType, Reconcile>([
    [cluster.resource("apps", "Deployment"), reconcileDeployment],
    [cluster.resource("apps", "ReplicaSet"), reconcileReplicaSet],
    [cluster.resource("argoproj.io", "Rollout"), makeRolloutController()],
    [cluster.resource("argoproj.io", "AnalysisRun"), makeAnalysisRunController(options.analysisOutcome)]
  ])
  const scheduler = new Scheduler(
    cluster,
    options.reconcileDelayMs ?? 10,
    options.pauseScale ?? 0.001,
    controllers,
    new Map([[cluster.resource("", "Service"), [cluster.resource("argoproj.io", "Rollout")]]])
  )
  const requests: Array<RecordedRequest> = []
  const rules: Array<{ readonly rule: FailRule; remaining: number }> = []
  const watches = new Set<() => void>()
  let address = "127.0.0.1:0"

  const send = (res: ServerResponse, code: number, body: unknown): void => {
    const text = JSON.stringify(body)
    res.writeHead(code, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Content-Length": Buffer.byteLength(text) })
    res.end(text)
  }

  const takeRule = (method: string, path: string): FailRule | undefined => {
    const index = rules.findIndex(
      ({ rule }) =>
        (rule.method === undefined || rule.method.toUpperCase() === method) &&
        (typeof rule.path === "string" ? path.includes(rule.path) : rule.path.test(path))
    )
    if (index < 0) return undefined
    const entry = rules[index]!
    entry.remaining--
    if (entry.remaining <= 0) rules.splice(index, 1)
    return entry.rule
  }

  const selectionOf = (resource: ResourceType, namespace: string | undefined, query: URLSearchParams, name?: string): Selection => ({
    resource,
    namespace,
    labels: parseLabelSelector(query.get("labelSelector")),
    fields: [...parseFieldSelector(query.get("fieldSelector")), ...(name === undefined ? [] : [{ field: "metadata.name" as const, op: "=" as const, value: name }])]
  })

  const watch = (req: IncomingMessage, res: ServerResponse, selection: Selection, query: URLSearchParams): void => {
    const table = wantsTable(req.headers.accept)
    const rv = query.get("resourceVersion")
    const fromScratch = rv === null || rv === "" || rv === "0"
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" })
    res.flushHeaders()
    const write = (type: string, object: Obj) => {
      const payload = table && type !== "ERROR" && type !== "BOOKMARK" ? toTable(selection.resource, [object], cluster.currentRevision(), query.get("includeObject")) : object
      res.write(`${JSON.stringify({ type, object: payload })}\n`)
    }
    let backlog: ReadonlyArray<Change> = []
    if (!fromScratch) {
      try {
        backlog = cluster.changesSince(rv)
      } catch (error) {
        if (!(error instanceof KubeError)) throw error
        write("ERROR", error.toStatus())
        res.end()
        return
      }
    }
    if (fromScratch) for (const o of cluster.list(selection)) write("ADDED", o)
    if (query.get("sendInitialEvents") === "true") {
      write("BOOKMARK", {
        kind: selection.resource.kind,
        apiVersion: apiVersionOf(selection.resource),
        metadata: { resourceVersion: cluster.currentRevision(), annotations: { "k8s.io/initial-events-end": "true" } }
      })
    }
    for (const change of backlog) {
      const event = eventFor(selection, change)
      if (event !== undefined) write(event.type, event.object)
    }
    const unsubscribe = cluster.subscribe((change) => {
      const event = eventFor(selection, change)
      if (event !== undefined) write(event.type, event.object)
    })
    const seconds = Number(query.get("timeoutSeconds") ?? "")
    const end = () => {
      unsubscribe()
      clearTimeout(timer)
      watches.delete(end)
      if (!res.writableEnded) res.end()
    }
    const timer = seconds > 0 ? setTimeout(end, seconds * 1000) : undefined
    watches.add(end)
    res.on("close", end)
  }

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req)
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const method = (req.method ?? "GET").toUpperCase()
    const contentType = req.headers["content-type"]
    const query = url.searchParams
    let body: unknown
    let undecodable: unknown
    try {
      body = parseBody(raw, contentType)
    } catch (error) {
      undecodable = error
      body = raw.toString("base64")
    }
    requests.push({ method, path: url.pathname, query: url.search.replace(/^\?/, ""), contentType, body: clone(body) })
    try {
      if (undecodable !== undefined) throw undecodable
      if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) throw unauthorized()
      if (["/healthz", "/livez", "/readyz"].includes(url.pathname)) {
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" })
        res.end("ok")
        return
      }
      let target: Route | undefined
      try {
        target = route(url.pathname, address)
      } catch (error) {
        const rule = takeRule(method, url.pathname)
        if (rule !== undefined) throw injected(rule, undefined, method, query)
        throw error
      }
      const rule = takeRule(method, url.pathname)
      if (rule !== undefined) throw injected(rule, target, method, query)
      const dryRun = query.getAll("dryRun").includes("All")
      const table = wantsTable(req.headers.accept)
      if (target.type === "document") {
        if (method !== "GET") throw methodNotAllowed()
        return send(res, 200, target.body)
      }
      const { resource, namespace } = target
      if (target.type === "collection") {
        const selection = selectionOf(resource, namespace, query)
        switch (method) {
          case "GET": {
            if (target.watch || isWatch(query)) return watch(req, res, selection, query)
            const items = cluster.list(selection)
            const revision = cluster.currentRevision()
            if (table) return send(res, 200, toTable(resource, items, revision, query.get("includeObject")))
            return send(res, 200, {
              kind: `${resource.kind}List`,
              apiVersion: apiVersionOf(resource),
              metadata: { resourceVersion: revision },
              items: items.map((o) => listItem(resource, o))
            })
          }
          case "POST": {
            if (resource.namespaced && namespace === undefined) throw methodNotAllowed()
            const created = cluster.create(resource, writeBody(body), { namespace, dryRun })
            return send(res, 201, created)
          }
          case "DELETE": {
            const deleted = cluster.list(selection).map((o) => cluster.delete(resource, namespaceOf(o), nameOf(o), obj(body), dryRun))
            return send(res, 200, {
              kind: `${resource.kind}List`,
              apiVersion: apiVersionOf(resource),
              metadata: { resourceVersion: cluster.currentRevision() },
              items: deleted.map((o) => listItem(resource, o))
            })
          }
          default:
            throw methodNotAllowed()
        }
      }
      const { name } = target
      switch (method) {
        case "GET": {
          if (target.subresource === "scale") return send(res, 200, cluster.readScale(resource, namespace, name))
          if (target.watch || isWatch(query)) return watch(req, res, selectionOf(resource, namespace, query, name), query)
          const found = cluster.get(resource, namespace, name)
          if (found === undefined) throw notFound(targetOf(resource, name))
          if (table) return send(res, 200, toTable(resource, [found], cluster.currentRevision(), query.get("includeObject")))
          return send(res, 200, found)
        }
        case "PUT": {
          const replacement = writeBody(body)
          if (target.subresource === "scale") return send(res, 200, cluster.writeScale(resource, namespace, name, () => replacement, { dryRun }))
          return send(res, 200, cluster.replace(resource, namespace, name, replacement, target.subresource === "status" ? "status" : "main", { dryRun }))
        }
        case "PATCH": {
          const type = patchTypeOf(contentType, resource)
          if (body === undefined || typeof body === "string") throw badRequest("the body of the request could not be decoded as JSON")
          if (target.subresource === "scale") {
            return send(res, 200, cluster.writeScale(resource, namespace, name, (scale) => patchDocument(type, scale, body), { dryRun }))
          }
          return send(res, 200, cluster.patch(resource, namespace, name, type, body, target.subresource === "status", { dryRun }))
        }
        case "DELETE": {
          if (target.subresource !== undefined) throw methodNotAllowed()
          const deleted = cluster.delete(resource, namespace, name, obj(body), dryRun)
          const pending = obj(deleted["metadata"])["deletionTimestamp"] !== undefined && cluster.get(resource, namespace, name) !== undefined
          if (pending || resource.returnsDeletedObject) return send(res, pending ? 202 : 200, deleted)
          return send(res, 200, {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Success",
            details: { name, ...(resource.group === "" ? {} : { group: resource.group }), kind: resource.plural, uid: obj(deleted["metadata"])["uid"] }
          })
        }
        default:
          throw methodNotAllowed()
      }
    } catch (error) {
      const failure = error instanceof KubeError ? error : internalError(error instanceof Error ? error.message : String(error))
      if (!res.headersSent) send(res, failure.code, failure.toStatus())
      else res.end()
    }
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, internalError(error instanceof Error ? error.message : String(error)).toStatus())
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  address = `127.0.0.1:${port}`
  const url = `http://${address}`

  const kubeconfig = (config: KubeconfigOptions = {}): string => {
    const context = config.context ?? "fake"
    const token = config.token ?? options.token
    return stringifyYaml({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: context, cluster: { server: url, "insecure-skip-tls-verify": true } }],
      users: [{ name: context, user: token === undefined ? {} : { token } }],
      contexts: [{ name: context, context: { cluster: context, user: context, namespace: config.namespace ?? "default" } }],
      "current-context": context,
      preferences: {}
    })
  }
  let written = 0

  const resourceOf = (o: Record<string, unknown>): ResourceType => {
    const apiVersion = str(o["apiVersion"]) ?? ""
    const kind = str(o["kind"]) ?? ""
    const resource = resourceOfKind(apiVersion, kind)
    if (resource === undefined) throw new Error(`the fake API server does not serve ${apiVersion} ${kind}`)
    return resource
  }
  const rethrow = (error: unknown): never => {
    if (error instanceof KubeError) throw new Error(`${error.reason}: ${error.message}`, { cause: error })
    throw error
  }

  return {
    url,
    kubeconfig,
    writeKubeconfig: (dir, config) => {
      mkdirSync(dir, { recursive: true })
      written++
      const path = join(dir, written === 1 ? "kubeconfig" : `kubeconfig-${written}`)
      writeFileSync(path, kubeconfig(config))
      return path
    },
    create: (o) => {
      const resource = resourceOf(o)
      try {
        const namespace = str(obj(o["metadata"])["namespace"]) ?? "default"
        const namespaces = cluster.resource("", "Namespace")
        if (resource.namespaced && cluster.get(namespaces, undefined, namespace) === undefined) {
          cluster.create(namespaces, { metadata: { name: namespace } })
        }
        return cluster.create(resource, o, { keepStatus: true })
      } catch (error) {
        return rethrow(error)
      }
    },
    update: (o) => {
      const resource = resourceOf(o)
      try {
        // a controller owns the status of Deployments, ReplicaSets and Rollouts: a PUT keeps it; elsewhere (Flagger
        // Canaries, Services) the test sets status through this back door
        const body = clone(o)
        delete obj(body["metadata"])["resourceVersion"]
        const mode = controllers.has(resource) ? "main" : "raw"
        return cluster.replace(resource, str(obj(o["metadata"])["namespace"]) ?? "default", str(obj(o["metadata"])["name"]) ?? "", body, mode)
      } catch (error) {
        return rethrow(error)
      }
    },
    get: (apiVersion, kind, namespace, name) => {
      const resource = resourceOf({ apiVersion, kind })
      return cluster.get(resource, namespace, name)
    },
    list: (apiVersion, kind, namespace) =>
      cluster.list({ resource: resourceOf({ apiVersion, kind }), namespace, labels: [], fields: [] }),
    failNext: (rule) => {
      rules.push({ rule, remaining: rule.count ?? 1 })
    },
    requests,
    settle: () => scheduler.settle(),
    close: async () => {
      scheduler.close()
      for (const end of [...watches]) end()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    }
  }
}
