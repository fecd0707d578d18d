import { serveFlags } from "@rollwise/api-server/flags"
import { Effect } from "effect"
import { Command } from "effect/cli"

/**
 * `rollwise serve`: the HTTP API (risk, analyses, gates, the Argo Rollouts
 * web metric) in the same binary. The flags are light; the server itself is
 * loaded when the command runs, so other commands' start-up stays light.
 */
export const serve = Command.make("serve", serveFlags, (flags) => Effect.flatMap(Effect.promise(() => import("./impl/Serve.ts")), (m) => m.runServe(flags))).pipe(
  Command.withDescription(
    "Serve the HTTP API: POST /v1/risk, /v1/analyses, /v1/gates, the Argo Rollouts web metric POST /v1/argo/metric, /healthz, /readyz, /metrics and /openapi.json. " +
      "Bearer-token auth (ROLLWISE_API_TOKEN or --token-file); it refuses a non-loopback address without a token unless --insecure. SIGTERM finishes in-flight requests."
  ),
  Command.withShortDescription("Serve the HTTP API (risk, analyses, gates, Argo Rollouts web metric)"),
  Command.withExamples([
    { command: "rollwise serve", description: "On 127.0.0.1:8080, no token needed on loopback" },
    { command: "ROLLWISE_API_TOKEN=… rollwise serve --host 0.0.0.0 --slo-dir slos/ --prometheus http://prometheus:9090", description: "In a cluster (the Helm chart runs this)" }
  ])
)
