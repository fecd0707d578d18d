import { NodeHttpServer } from "@effect/platform-node"
import { ApiError } from "@rollwise/api-contract"
import { ApiHandler, ArgoJudge, FlagsRoute, GatesRoute, KayentaJudge, RolloutsRoute } from "@rollwise/api-handler"
import { OpaGate } from "@rollwise/gate-opa"
import type { EvidenceStore, MetricSource } from "@rollwise/rollout-engine"
import type { SloSpec } from "@rollwise/slo-policy"
import { FlagStore } from "@rollwise/target-flag"
import { Data, Duration, Effect, Layer, Logger, Redacted, Result } from "effect"
import { FetchHttpClient, HttpServer, type HttpServerError, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"
import * as AnalysisPool from "./AnalysisPool.ts"
import * as Drive from "./Drive.ts"
import { hookTokenProblem, isLoopback, tokenChecker } from "./internal/auth.ts"
import { jsonLines, stderr } from "./internal/logger.ts"

/**
 * The server refused to start with these options. `InsecureBind`: a
 * non-loopback address without a token and without `insecure`; `BadOption`:
 * a value out of range (an empty token, a port outside 0–65535, a zero body
 * limit). The message says what to change.
 */
export class ServerConfigError extends Data.TaggedError("ServerConfigError")<{
  readonly reason: "InsecureBind" | "BadOption"
  readonly message: string
}> {}

/** OPA servers the gates route may ask; any other URL in a client's policy is a 400. */
export interface OpaOptions {
  /** Base URLs exactly as policies name them (a trailing slash is ignored). */
  readonly urls: ReadonlyArray<string>
  /** OPA's bearer token (`--authentication=token`), never logged. */
  readonly token?: Redacted.Redacted<string> | undefined
}

/** Everything `makeServer` needs. */
/** The server's flag reader over a flag store folder: a store that cannot be read is a 503 naming the flag, never a crash. */
const flagReader = (dir: string) =>
  Effect.map(
    Effect.result(FlagStore.makeFile(dir)),
    (opened): FlagsRoute.FlagReader["Service"] =>
      FlagsRoute.FlagReader.of({
        get: (key) =>
          Result.isFailure(opened)
            ? Effect.fail(new ApiError.Unavailable({ message: `the flag store cannot be opened: ${opened.failure.message}` }))
            : opened.success.get(key).pipe(Effect.mapError((e) => new ApiError.Unavailable({ message: `flag ${key}: ${e.message}` })))
      })
  )

export interface ServerOptions {
  /** Address to bind; `127.0.0.1` keeps the API on this machine. */
  readonly host: string
  /** Port; 0 picks a free one (read it from the HttpServer's address). */
  readonly port: number
  /** The operator token: the bearer token every route but /healthz and /readyz accepts. */
  readonly token?: Redacted.Redacted<string> | undefined
  /**
   * The integration token: accepted only on the routes Argo Rollouts,
   * Flagger, Kayenta and Prometheus call (`Api.integrationRoutes`), as a
   * bearer token or as the path prefix `/hooks/<token>/`. URL-safe and not
   * the operator token (`ServerConfigError` otherwise). Absent: those routes
   * take the operator token and `/hooks/…` answers 404.
   */
  readonly hookToken?: Redacted.Redacted<string> | undefined
  /** Where the integration token came from, for error messages (default "ROLLWISE_HOOK_TOKEN"). */
  readonly hookTokenSource?: string | undefined
  /** `POST /judge` without any credential, for Kayenta's remote judge (default false; named in the startup line). */
  readonly publicJudge?: boolean | undefined
  /** Serve without a token on a non-loopback address. Never the default. */
  readonly insecure?: boolean | undefined
  /** The SLO specs Argo requests name, by name. */
  readonly slos: Readonly<Record<string, SloSpec.Spec>>
  /** Where the Argo metric measures: Prometheus in production, memory in tests. */
  readonly metricSource: Layer.Layer<MetricSource.MetricSource>
  /** Largest request body (default 1 MiB). */
  readonly bodyLimitBytes?: number | undefined
  /** Longest a request may run (default 30 s); longer answers 503. */
  readonly requestTimeout?: Duration.Input | undefined
  /** How long shutdown waits for in-flight requests (default 20 s). */
  readonly shutdownTimeout?: Duration.Input | undefined
  /** Prefix of Argo answers' `evidenceUrl` (default: a path on this server). */
  readonly publicUrl?: string | undefined
  /** OPA servers the gates route may ask (default: none; a policy with `opa` is a 400). */
  readonly opa?: OpaOptions | undefined
  /** The evidence store the rollouts and evidence routes read and append to (default: none; those routes answer 503). */
  readonly evidenceStore?: Layer.Layer<EvidenceStore.EvidenceStore, EvidenceStore.EvidenceError> | undefined
  /**
   * Worker threads judging `POST /v1/analyses` bodies and `POST /judge`
   * requests (default 0: on the main thread, which then answers no health
   * check while it judges). About one per core the server may use.
   */
  readonly analysisWorkers?: number | undefined
  /** The worker threads' script (default: the `analysis-worker.js` the apps bundle beside their code). */
  readonly analysisWorkerScript?: URL | undefined
  /** Rollouts `POST /v1/rollouts` may start and this server drives (default: none; that route answers 503). Needs `evidenceStore`. */
  readonly drive?: Drive.DriveOptions | undefined
  /** The flag store `GET /v1/flags/{key}` serves (the folder `rollwise rollout --target flag:KEY` writes); default: none, 503. */
  readonly flagsDir?: string | undefined
  /** The tracer the server's spans go to (default: none installed; Effect's native spans, nothing exported). */
  readonly tracing?: Layer.Layer<never> | undefined
  /** What `tracing` is, for the startup log line (default "traces: off"). */
  readonly tracingDescription?: string | undefined
  /** Where that store is, for the startup log line. */
  readonly evidencePath?: string | undefined
  /**
   * Readiness: reasons this process cannot serve (default: none). The server
   * adds "shutting down" once SIGTERM arrives. Dependencies such as
   * Prometheus do not belong here: a judging route without data answers
   * `slow`, and their failures are counted in /metrics.
   */
  readonly readiness?: Effect.Effect<ReadonlyArray<string>> | undefined
  /** Where log lines go (default: stderr). */
  readonly log?: ((line: string) => void) | undefined
}

const normalizeUrl = (url: string) => url.trim().replace(/\/+$/, "")

/** The OPA port over gate-opa, limited to the configured servers. */
export const opaGateway = (opa: OpaOptions | undefined): Layer.Layer<GatesRoute.OpaGateway> => {
  if (opa === undefined || opa.urls.length === 0) return GatesRoute.OpaGateway.layerDisabled
  const allowed = new Set(opa.urls.map(normalizeUrl))
  return Layer.succeed(
    GatesRoute.OpaGateway,
    GatesRoute.OpaGateway.of({
      ask: (policy, input) =>
        allowed.has(normalizeUrl(policy.url))
          ? OpaGate.ask(policy, input, opa.token === undefined ? {} : { token: opa.token }).pipe(Effect.provide(FetchHttpClient.layer))
          : Effect.fail(
              new ApiError.InputError({
                field: "policy.opa.url",
                message: `policy.opa.url: this server asks only the OPA servers it was started with (${[...allowed].join(", ")}), not ${JSON.stringify(policy.url)}`
              })
            )
    })
  )
}

/** Check the options; the reason a server must not start, if any. */
export const validate = (options: ServerOptions): Effect.Effect<void, ServerConfigError> => {
  const bad = (message: string) => Effect.fail(new ServerConfigError({ reason: "BadOption", message }))
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) return bad(`port ${options.port} is not between 0 and 65535`)
  if (options.token !== undefined && Redacted.value(options.token).trim() === "") return bad("the API token is empty; set a real one or leave it unset")
  if (options.hookToken !== undefined) {
    const problem = hookTokenProblem(options.hookToken, options.token, options.hookTokenSource ?? "ROLLWISE_HOOK_TOKEN")
    if (problem !== undefined) return bad(problem)
  }
  if (options.bodyLimitBytes !== undefined && !(Number.isInteger(options.bodyLimitBytes) && options.bodyLimitBytes > 0)) {
    return bad(`body limit ${options.bodyLimitBytes} must be a positive number of bytes`)
  }
  if (options.analysisWorkers !== undefined && !(Number.isInteger(options.analysisWorkers) && options.analysisWorkers >= 0 && options.analysisWorkers <= 64)) {
    return bad(`analysis workers ${options.analysisWorkers} must be a whole number from 0 to 64`)
  }
  if (options.drive?.maxRollouts !== undefined && !(Number.isInteger(options.drive.maxRollouts) && options.drive.maxRollouts >= 1)) {
    return bad(`max driven rollouts ${options.drive.maxRollouts} must be a whole number from 1`)
  }
  if (options.drive !== undefined && options.evidenceStore === undefined) return bad("driving rollouts needs an evidence store to record them in (--db PATH or ROLLWISE_EVIDENCE_DB)")
  if (options.drive?.k8s !== undefined && options.drive.prometheus === undefined) return bad("driving Kubernetes rollouts needs a Prometheus to measure them (--prometheus URL or ROLLWISE_PROMETHEUS_URL)")
  if (options.token === undefined && options.insecure !== true && !isLoopback(options.host)) {
    return Effect.fail(
      new ServerConfigError({
        reason: "InsecureBind",
        message: `refusing to serve on ${options.host} without authentication${options.hookToken === undefined ? "" : " (the integration token opens only the decision routes; every other route would be open)"}: set a token (ROLLWISE_API_TOKEN or --token-file), bind to 127.0.0.1, or pass --insecure to serve unauthenticated on purpose`
      })
    )
  }
  return Effect.void
}

/**
 * The Rollwise HTTP API on a Node HTTP server, as a layer: building it
 * checks the options (a typed {@link ServerConfigError}), binds the address
 * and serves; releasing it stops accepting connections, lets in-flight
 * requests finish (up to `shutdownTimeout`), then closes. Run it with
 * `Layer.launch` under `NodeRuntime.runMain`, which releases it on SIGTERM
 * and SIGINT. Logs are JSON lines on stderr with no secrets.
 */
/**
 * Node's own deadline for receiving a whole request (headers and body), set
 * just inside the handler's `requestTimeout`: a client that sends its body
 * too slowly gets Node's `408 Request Timeout` before the handler's timeout
 * would interrupt the body read (which closes the socket with no answer at
 * all). Node checks its deadlines every `connectionsCheckingInterval`, so
 * the deadline leaves one interval and a margin before the handler's.
 */
export const bodyDeadline = (requestTimeout: Duration.Input | undefined): { readonly requestTimeout: number; readonly connectionsCheckingInterval: number } => {
  const total = Duration.toMillis(Duration.fromInputUnsafe(requestTimeout ?? ApiHandler.defaultRequestTimeout))
  const interval = Math.max(50, Math.min(1000, Math.floor(total / 4)))
  return { requestTimeout: Math.max(1, total - interval - Math.min(500, Math.floor(total / 10))), connectionsCheckingInterval: interval }
}

export const makeServer = (
  options: ServerOptions
): Layer.Layer<HttpServer.HttpServer, ServerConfigError | HttpServerError.ServeError | EvidenceStore.EvidenceError> => {
  const log = options.log ?? stderr
  const logger = Logger.layer([jsonLines(log)])
  const operatorAuth = options.token !== undefined ? "operator token" : isLoopback(options.host) ? "none (loopback only)" : "NONE (--insecure)"
  // what is configured, never a secret: the startup line's `auth`
  const auth = [operatorAuth, ...(options.hookToken === undefined ? [] : ["hook token: header+path"]), ...(options.publicJudge === true ? ["public judge: POST /judge without a token"] : [])].join("; ")
  const app = Layer.effectDiscard(
    Effect.gen(function* () {
      // set when shutdown begins: readiness fails and every answer closes its connection,
      // so keep-alive clients let the server finish instead of holding it open
      let draining = false
      const readiness = options.readiness ?? Effect.succeed([])
      const workers = options.analysisWorkers ?? 0
      const pool = workers > 0 ? yield* AnalysisPool.make(workers, options.analysisWorkerScript) : undefined
      const flags = options.flagsDir === undefined ? undefined : yield* flagReader(options.flagsDir)
      const handler = yield* ApiHandler.make({
        flags,
        analyzeBody: pool?.analyze,
        authorize: options.token === undefined ? undefined : tokenChecker(options.token),
        authorizeHook: options.hookToken === undefined ? undefined : tokenChecker(options.hookToken),
        publicJudge: options.publicJudge,
        bodyLimitBytes: options.bodyLimitBytes,
        requestTimeout: options.requestTimeout,
        publicUrl: options.publicUrl,
        readiness: Effect.suspend(() => (draining ? Effect.succeed(["shutting down"]) : readiness))
      }).pipe(
        // Kayenta's judge on the pool too: a large payload never holds up /healthz
        pool === undefined ? (make) => make : Effect.provideService(KayentaJudge.Judge, pool.judge)
      )
      const server = yield* HttpServer.HttpServer
      // finalizers run last-added first: "shutting down", then the server drains, then "stopped"
      yield* Effect.addFinalizer(() => Effect.logInfo("stopped"))
      yield* HttpServer.serveEffect(Effect.map(handler, (response) => (draining ? HttpServerResponse.setHeader(response, "connection", "close") : response)))
      yield* Effect.addFinalizer(() =>
        Effect.suspend(() => {
          draining = true
          return Effect.logInfo("shutting down: finishing in-flight requests")
        })
      )
      yield* Effect.logInfo("listening").pipe(
        Effect.annotateLogs({
          address: HttpServer.formatAddress(server.address),
          auth,
          slos: Object.keys(options.slos).sort().join(","),
          evidence: options.evidencePath ?? "none",
          analysisWorkers: options.analysisWorkers ?? 0,
          drives: options.drive === undefined ? "nothing" : [options.drive.simulated ? "simulated" : "", options.drive.k8s !== undefined ? "k8s" : ""].filter((k) => k !== "").join(","),
          traces: options.tracingDescription ?? "traces: off"
        })
      )
    })
  )
  return Layer.unwrap(
    Effect.as(
      validate(options),
      app.pipe(
        Layer.provide(
          Layer.mergeAll(
            options.metricSource,
            ArgoJudge.Slos.layer(options.slos),
            opaGateway(options.opa),
            options.drive === undefined ? RolloutsRoute.RolloutDriver.none : Drive.layer(options.drive)
          ).pipe(Layer.provideMerge(options.evidenceStore ?? RolloutsRoute.noStore))
        ),
        Layer.provideMerge(
          NodeHttpServer.layer(() => createServer(bodyDeadline(options.requestTimeout)), {
            host: options.host,
            port: options.port,
            gracefulShutdownTimeout: options.shutdownTimeout ?? Duration.seconds(20)
          })
        ),
        Layer.provide(logger),
        // the platform's server span would record /hooks/<token>/… as is: the handler traces those itself, masked
        Layer.provide(ApiHandler.layerPlatformTracer),
        Layer.provide(options.tracing ?? Layer.empty)
      )
    )
  )
}
