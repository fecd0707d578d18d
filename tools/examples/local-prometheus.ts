/**
 * A local Prometheus with an hour of stable and canary history for the
 * README's live example:
 *
 *   npx tsx --conditions=@rollwise/source tools/examples/local-prometheus.ts [healthy|slow|errors]
 *
 * It backfills `http_requests_total` and `http_request_duration_seconds` for
 * job "checkout" (tracks stable and canary) and kube-state-metrics' restart
 * counter ending now, starts Prometheus on
 * 127.0.0.1 with the shared test harness, prints the URL and a command to
 * try, and stops it (by PID, removing its data) on Ctrl-C.
 */
import { canaryHistory, prometheusAvailable, startPrometheus } from "@rollwise/prometheus-harness"

const scenario = (process.argv[2] ?? "slow") as "healthy" | "slow" | "errors"
if (!prometheusAvailable()) {
  console.error("prometheus is not installed: apt-get update && apt-get install -y --no-install-recommends prometheus")
  process.exit(4)
}
const end = Math.floor(Date.now() / 1000)
const canary = {
  healthy: { rps: 60, errorRate: 0.002, latency: { medianSeconds: 0.1, sigma: 0.2 } },
  slow: { rps: 60, errorRate: 0.002, latency: { medianSeconds: 0.3, sigma: 0.2 } },
  errors: { rps: 60, errorRate: 0.03, latency: { medianSeconds: 0.1, sigma: 0.2 } }
}[scenario]
// kube-state-metrics' restart counter, one pod per track, no restarts
const restarts = (["stable", "canary"] as const).map((track) => ({
  name: "kube_pod_container_status_restarts_total",
  type: "counter" as const,
  labels: { namespace: "default", pod: `checkout-${track}-7d9f8`, container: "app" },
  samples: Array.from({ length: 361 }, (_, i) => ({ t: end - 3600 + i * 10, v: 0 }))
}))
const prometheus = await startPrometheus({
  series: [...restarts, ...canaryHistory({
    job: "checkout",
    start: end - 3600,
    end,
    stepSeconds: 10,
    tracks: { stable: { rps: 60, errorRate: 0.002, latency: { medianSeconds: 0.1, sigma: 0.2 } }, canary }
  })]
})
console.log(`Prometheus (pid ${prometheus.pid}) at ${prometheus.url} with a ${scenario} canary for job "checkout", history up to ${new Date(end * 1000).toISOString()}`)
console.log(`try: npx rollwise analyze --slo examples/slo-live.yaml --prometheus ${prometheus.url} --window-end ${new Date(end * 1000).toISOString()} --windows 6`)
console.log("Ctrl-C stops it.")
const stop = () => void prometheus.stop().then(() => process.exit(0))
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
