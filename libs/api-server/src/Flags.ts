import { MetricSources } from "@rollwise/rollout-runner"
import { Command, Flag } from "effect/cli"

/** The flags of `rollwise serve`. Secrets come from the environment or a file only, never from a flag. */
export const serveFlags = {
  host: Flag.String("host").pipe(
    Flag.withDescription("Address to bind (default 127.0.0.1). Anything but loopback needs a token (ROLLWISE_API_TOKEN or --token-file) or --insecure"),
    Flag.withDefault("127.0.0.1")
  ),
  port: Flag.Int("port").pipe(Flag.withDescription("Port to listen on (default 8080; 0: any free port)"), Flag.withDefault(8080)),
  insecure: Flag.Boolean("insecure").pipe(
    Flag.withDescription("Serve without authentication on a non-loopback address, on purpose"),
    Flag.withDefault(false)
  ),
  tokenFile: Flag.File("token-file", { mustExist: true }).pipe(
    Flag.withDescription("A file holding the bearer token (default: the ROLLWISE_API_TOKEN environment variable)"),
    Flag.optional
  ),
  hookTokenFile: Flag.File("hook-token-file", { mustExist: true }).pipe(
    Flag.withDescription(
      "A file holding the integration token (default: the ROLLWISE_HOOK_TOKEN environment variable): accepted only on POST /v1/argo/metric, POST /v1/flagger/<hook>, POST /judge and GET /metrics, as Authorization: Bearer or as the path prefix /hooks/<token>/ for callers that cannot send headers (Flagger, Kayenta)"
    ),
    Flag.optional
  ),
  publicJudge: Flag.Boolean("public-judge").pipe(
    Flag.withDescription(
      "Answer POST /judge (Kayenta's remote judge, a pure function of its payload) without any token (default: ROLLWISE_PUBLIC_JUDGE=true, else off); for when the integration token must not appear in Kayenta's logs"
    ),
    Flag.withDefault(false)
  ),
  sloDir: Flag.Directory("slo-dir", { mustExist: true }).pipe(
    Flag.withDescription("A directory of SLO specs (<name>.yaml, .yml or .json) the Argo metric names (default: ROLLWISE_SLO_DIR)"),
    Flag.optional
  ),
  prometheus: Flag.String("prometheus").pipe(
    Flag.withDescription("Prometheus base URL the Argo metric measures through (default: ROLLWISE_PROMETHEUS_URL; credentials from ROLLWISE_PROMETHEUS_TOKEN or _USER/_PASSWORD)"),
    Flag.optional
  ),
  ...MetricSources.logAndTraceFlags("serve"),
  prometheusTimeout: Flag.Int("prometheus-timeout").pipe(Flag.withDescription("Seconds per metric-source query (default 5; Tempo gets at least 30)"), Flag.withDefault(5)),
  publicUrl: Flag.String("public-url").pipe(Flag.withDescription("This server's external base URL, for the evidenceUrl of Argo answers"), Flag.optional),
  bodyLimit: Flag.Int("body-limit").pipe(Flag.withDescription("Largest request body in bytes (default 1048576: 1 MiB)"), Flag.withDefault(1024 * 1024)),
  requestTimeout: Flag.Int("request-timeout").pipe(Flag.withDescription("Seconds a request may run before a 503 (default 30); a body not received by then gets 408 Request Timeout"), Flag.withDefault(30)),
  db: Flag.String("db").pipe(
    Flag.withDescription(
      "The evidence store the /v1/rollouts and /v1/evidence routes read and append to: a SQLite file (the one rollwise rollout writes), or a PostgreSQL database postgres://user:password@host:5432/db that several replicas share — with --drive, a replica takes over the rollouts another one stopped driving once its lease expires (default: ROLLWISE_EVIDENCE_DB, better for a password; none: those routes answer 503)"
    ),
    Flag.optional
  ),
  analysisWorkers: Flag.Int("analysis-workers").pipe(
    Flag.withDescription(
      "Worker threads judging POST /v1/analyses and Kayenta's POST /judge (default 1, so health checks never wait on a judgement; 0: on the main thread); about one per core the server may use"
    ),
    Flag.withDefault(1)
  ),
  drive: Flag.Literals("drive", ["simulated", "k8s", "windows", "arm"]).pipe(
    Flag.withDescription(
      "Targets POST /v1/rollouts may start rollouts on, driven by this server (repeatable): simulated (rehearsals), k8s (this cluster: the pod's service account, else --kubeconfig; measured through --prometheus), windows (the IIS farm of --hosts, over SSH), arm (the device fleet of --fleet, measured through --prometheus or the devices' own health). Needs --db"
    ),
    Flag.atLeast(0)
  ),
  flagsDir: Flag.String("flags-dir").pipe(
    Flag.withDescription("Serve GET /v1/flags/<key> from this flag store folder (the one rollwise rollout --target flag:KEY --flags-dir writes), for the OpenFeature provider (default: ROLLWISE_FLAGS_DIR; none: 503)"),
    Flag.optional
  ),
  hosts: Flag.String("hosts").pipe(Flag.withDescription("With --drive windows: hosts.yaml, the farm this server drives (its credentials from this server's environment; a request cannot name hosts)"), Flag.optional),
  fleet: Flag.String("fleet").pipe(Flag.withDescription("With --drive arm: fleet.yaml, the devices and OTA manager this server drives (its token from this server's environment; a request cannot name a fleet)"), Flag.optional),
  maxDrivenRollouts: Flag.Int("max-driven-rollouts").pipe(
    Flag.withDescription("With --drive: at most this many rollouts driven at once; more answer 503 until one ends (default 16)"),
    Flag.withDefault(16)
  ),
  kubeconfig: Flag.String("kubeconfig").pipe(Flag.withDescription("With --drive k8s: the kubeconfig (default: the pod's service account, $KUBECONFIG or ~/.kube/config)"), Flag.optional),
  context: Flag.String("context").pipe(Flag.withDescription("With --drive k8s: the kubeconfig context (default: its current one)"), Flag.optional),
  opaUrl: Flag.String("opa-url").pipe(
    Flag.withDescription("An OPA server the gates route and driven rollouts' gates may ask (repeatable; its token from ROLLWISE_OPA_TOKEN). Policies naming any other URL are refused"),
    Flag.atLeast(0)
  )
}

/** The parsed flags of `rollwise serve`. */
export type ServeFlags = Command.Command.Config.Infer<typeof serveFlags>

/** The help of `rollwise serve` (and apps/http-api): one text for both, light enough for the CLI's start-up. */
export const serveHelp = {
  description:
    "Serve the HTTP API: POST /v1/risk, /v1/analyses, /v1/gates; the Argo Rollouts web metric POST /v1/argo/metric " +
    "(200 with decision promote|slow|rollback); Flagger webhooks POST /v1/flagger/<hook>; Kayenta's remote judge POST /judge; " +
    "GET /v1/rollouts[/<id>], POST /v1/rollouts/<id>/promote|rollback and GET /v1/evidence/<id> over the evidence store (--db); " +
    "POST /v1/rollouts starts a rollout this server drives (--drive simulated|k8s|windows|arm); " +
    "/healthz, /readyz, /metrics and /openapi.json. Operator bearer token from ROLLWISE_API_TOKEN or --token-file (a non-loopback address " +
    "without one is refused unless --insecure); an integration token from ROLLWISE_HOOK_TOKEN or --hook-token-file opens only the " +
    "Argo, Flagger and Kayenta routes and /metrics, as a bearer token or as the path prefix /hooks/<token>/; JSON logs on stderr; " +
    "OpenTelemetry traces by OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set (off otherwise); /readyz is 503 only while starting or " +
    "shutting down; SIGTERM finishes in-flight requests.",
  short: "Serve the HTTP API (risk, analyses, gates, Argo/Flagger/Kayenta, rollouts, evidence)",
  examples: [
    { command: "rollwise serve", description: "On 127.0.0.1:8080, no token needed on loopback" },
    {
      command: "ROLLWISE_API_TOKEN=… rollwise serve --host 0.0.0.0 --slo-dir /etc/rollwise/slo --prometheus http://prometheus:9090",
      description: "In a cluster (the Helm chart runs this), the Argo metric measuring through Prometheus"
    },
    {
      command: "ROLLWISE_API_TOKEN=… ROLLWISE_HOOK_TOKEN=… rollwise serve --host 0.0.0.0 --slo-dir /etc/rollwise/slo --prometheus http://prometheus:9090",
      description: "With an integration token for Flagger (url: http://rollwise/hooks/<token>/v1/flagger/rollout), Kayenta, Argo and Prometheus' scrape"
    },
    {
      command: "OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4318 rollwise serve --db .rollwise/evidence.db",
      description: "With traces to an OpenTelemetry collector, serving this machine's recorded rollouts"
    },
    {
      command: "ROLLWISE_EVIDENCE_DB=postgres://rollwise:…@db:5432/rollwise rollwise serve --host 0.0.0.0 --drive simulated",
      description: "One of several replicas on a shared PostgreSQL database: any of them answers; a rollout whose replica dies is taken over by another"
    }
  ]
} as const
