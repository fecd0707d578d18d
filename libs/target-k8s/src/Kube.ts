import * as k8s from "@kubernetes/client-node"
import { DeployTarget } from "@rollwise/rollout-engine"
import { Duration, Effect } from "effect"

/**
 * The connection every Kubernetes target shares: a KubeConfig (a kubeconfig
 * file and context, or the in-cluster service account), the namespace, and
 * the typed clients of `@kubernetes/client-node`. Errors come back as the
 * port's `DeployTargetError` with a one-line detail taken from the API
 * server's Status message — never a header, a token or a certificate.
 */
export interface Kube {
  readonly config: k8s.KubeConfig
  readonly namespace: string
  readonly apps: k8s.AppsV1Api
  readonly core: k8s.CoreV1Api
  readonly custom: k8s.CustomObjectsApi
  readonly networking: k8s.NetworkingV1Api
  /** The server, for messages (`https://10.0.0.1:6443`). */
  readonly server: string
}

/** Where to find the cluster. */
export interface ConnectOptions {
  /** A kubeconfig file (default: $KUBECONFIG or ~/.kube/config; in a pod without one, the service account). */
  readonly kubeconfig?: string
  /** A context of that kubeconfig (default: its current context). */
  readonly context?: string
  /** The namespace (default: the context's, else "default"). */
  readonly namespace?: string
  /** Use the pod's service account even when a kubeconfig exists. */
  readonly inCluster?: boolean
}

const rejected = (detail: string) => new DeployTarget.DeployTargetError({ reason: "Rejected", detail })

/** Load the configuration and make the clients; a missing file or context is NotFound, naming it. */
export const connect = (options: ConnectOptions = {}): Effect.Effect<Kube, DeployTarget.DeployTargetError> =>
  Effect.try({
    try: () => {
      const config = new k8s.KubeConfig()
      if (options.inCluster === true) config.loadFromCluster()
      else if (options.kubeconfig !== undefined) config.loadFromFile(options.kubeconfig)
      else config.loadFromDefault()
      if (options.context !== undefined) {
        if (!config.getContexts().some((c) => c.name === options.context)) throw new Error(`context "${options.context}" is not in the kubeconfig`)
        config.setCurrentContext(options.context)
      }
      const cluster = config.getCurrentCluster()
      if (cluster === null) throw new Error("the kubeconfig has no current cluster")
      const context = config.getContextObject(config.getCurrentContext())
      return {
        config,
        namespace: options.namespace ?? context?.namespace ?? "default",
        apps: config.makeApiClient(k8s.AppsV1Api),
        core: config.makeApiClient(k8s.CoreV1Api),
        custom: config.makeApiClient(k8s.CustomObjectsApi),
        networking: config.makeApiClient(k8s.NetworkingV1Api),
        server: cluster.server
      }
    },
    catch: (cause) =>
      new DeployTarget.DeployTargetError({
        reason: "NotFound",
        detail: `kubeconfig${options.kubeconfig !== undefined ? ` ${options.kubeconfig}` : ""}: ${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}`,
        cause
      })
  })

const statusMessage = (body: unknown): string | undefined => {
  const parsed = typeof body === "string" ? (() => { try { return JSON.parse(body) as unknown } catch { return undefined } })() : body
  return typeof parsed === "object" && parsed !== null && typeof (parsed as { message?: unknown }).message === "string" ? (parsed as { message: string }).message : undefined
}

/** What an API call's failure means to the engine. */
export const toError = (what: string, server: string) => (cause: unknown): DeployTarget.DeployTargetError => {
  if (cause instanceof DeployTarget.DeployTargetError) return cause
  if (cause instanceof k8s.ApiException) {
    const message = statusMessage(cause.body) ?? `HTTP ${cause.code}`
    const reason: DeployTarget.DeployTargetError["reason"] =
      cause.code === 401 || cause.code === 403 ? "Forbidden" : cause.code === 404 ? "NotFound" : cause.code === 409 ? "Conflict" : cause.code >= 500 || cause.code === 429 ? "Unreachable" : "Rejected"
    const hint = cause.code === 401 ? " (the kubeconfig's credentials were refused)" : ""
    return new DeployTarget.DeployTargetError({ reason, detail: `${what}: ${message}${hint}`, cause })
  }
  const text = cause instanceof Error ? cause.message : String(cause)
  return new DeployTarget.DeployTargetError({ reason: "Unreachable", detail: `${what}: cannot reach the API server ${server} (${text.split("\n")[0]})`, cause })
}

/** Run one API call, its failure mapped. */
export const call = <A>(kube: Kube, what: string, f: () => Promise<A>): Effect.Effect<A, DeployTarget.DeployTargetError> =>
  Effect.tryPromise({ try: f, catch: toError(what, kube.server) })

/** Options that make a client-node patch send the given patch type. */
export const patchType = (type: "merge" | "json" | "strategic") =>
  k8s.setHeaderOptions("Content-Type", type === "merge" ? k8s.PatchStrategy.MergePatch : type === "json" ? k8s.PatchStrategy.JsonPatch : k8s.PatchStrategy.StrategicMergePatch)

/** A read-modify-write that lost a race (409) is tried again from a fresh read, a few times. */
export const retryConflicts = <A>(effect: Effect.Effect<A, DeployTarget.DeployTargetError>) =>
  Effect.retry(effect, { while: (e) => e.reason === "Conflict", times: 5 })

/** A resource to watch: its collection path and its name. */
export interface Watched {
  /** e.g. `/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts` */
  readonly path: string
  readonly name: string
}

type Check<A> = (object: Record<string, unknown>) => A | undefined | DeployTarget.DeployTargetError

/**
 * Wait until `check` accepts the object (returns a value), fails it (returns
 * an error), or `timeout` passes — through the API server's watch (one
 * stream, re-opened when the server closes it), not a polling loop.
 */
export const waitFor = <A>(kube: Kube, watched: Watched, check: Check<A>, timeout: Duration.Input, what: string): Effect.Effect<A, DeployTarget.DeployTargetError> => {
  const once = Effect.callback<A | "reopen", DeployTarget.DeployTargetError>((resume) => {
    let finished = false
    let controller: AbortController | undefined
    const finish = (result: Effect.Effect<A | "reopen", DeployTarget.DeployTargetError>) => {
      if (finished) return
      finished = true
      controller?.abort()
      resume(result)
    }
    new k8s.Watch(kube.config)
      .watch(
        watched.path,
        { fieldSelector: `metadata.name=${watched.name}`, timeoutSeconds: 60, allowWatchBookmarks: false },
        (type, object: Record<string, unknown>) => {
          if (type === "DELETED") return finish(Effect.fail(new DeployTarget.DeployTargetError({ reason: "NotFound", detail: `${what}: ${watched.name} was deleted` })))
          if (type !== "ADDED" && type !== "MODIFIED") return
          const result = check(object)
          if (result instanceof DeployTarget.DeployTargetError) finish(Effect.fail(result))
          else if (result !== undefined) finish(Effect.succeed(result))
        },
        (error: unknown) => finish(error === null || error === undefined || (error as { name?: string }).name === "AbortError" ? Effect.succeed("reopen") : Effect.fail(toError(`${what} (watch)`, kube.server)(error)))
      )
      .then(
        (c) => {
          controller = c
          if (finished) c.abort()
        },
        (error: unknown) => finish(Effect.fail(toError(`${what} (watch)`, kube.server)(error)))
      )
    return Effect.sync(() => {
      finished = true
      controller?.abort()
    })
  })
  const loop: Effect.Effect<A, DeployTarget.DeployTargetError> = Effect.flatMap(once, (r) => (r === "reopen" ? loop : Effect.succeed(r)))
  return loop.pipe(
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () => Effect.fail(new DeployTarget.DeployTargetError({ reason: "Timeout", detail: `${what}: not done within ${Duration.format(Duration.fromInputUnsafe(timeout))}` }))
    })
  )
}

export { rejected }
