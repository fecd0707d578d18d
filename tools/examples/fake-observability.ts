/**
 * Loki, Elasticsearch, Tempo and Jaeger to try `rollwise analyze --slo
 * examples/slo-logs.yaml` on without any of them: the fakes the tests use
 * (built from each vendor's HTTP API), on 127.0.0.1, loaded with 8 minutes
 * (four 2-minute windows) of a `checkout` service's logs and spans, about
 * 10 % of it on the canary track.
 *
 *   npx tsx --conditions=@rollwise/source tools/examples/fake-observability.ts [new-error]
 *
 * With `new-error` the canary logs a new exception in 0.5 % of its requests.
 * It prints the command to run and stays up until Ctrl-C.
 */
import { FakeElasticsearch, generateAppLogs } from "@rollwise/source-elasticsearch/testing"
import { generateLogs, scenarios, startFakeLoki } from "@rollwise/source-loki/testing"
import { canaryScenario, FakeJaeger, FakeTempo, generateSpans } from "@rollwise/source-traces/testing"

const newError = process.argv[2] === "new-error"
const service = "checkout"
const start = Date.UTC(2026, 10, 2, 12, 0, 0)
const windows = 4
const windowSeconds = 120
const end = new Date(start + windows * windowSeconds * 1000).toISOString()

const loki = await startFakeLoki()
loki.load(generateLogs({ ...(newError ? scenarios.newError(start, 3, windows) : scenarios.healthy(start, 3, windows)), service }).streams)
const es = await FakeElasticsearch.start()
const profile = { latencyMs: 40, errorRatio: 0.004 }
es.add(`logs-${service}`, generateAppLogs({ seed: 5, service, start, windowSeconds, windows, requestsPerSecond: 50, stable: profile, canary: profile }))
const spans = generateSpans(canaryScenario({ seed: 9, service, start, windowSeconds, windows, requestsPerSecond: 40, operations: [{ name: "GET /cart", share: 1, latencySeconds: 0.05, errorRatio: 0.003 }] }))
const tempo = await FakeTempo.start()
tempo.add(spans)
const jaeger = await FakeJaeger.start()
jaeger.add(spans)

process.stdout.write(
  `fake Loki ${loki.url}, Elasticsearch ${es.url}, Tempo ${tempo.url}, Jaeger ${jaeger.url}: ${newError ? "a canary with a new exception" : "a healthy canary"}, windows up to ${end}\n` +
    `npx rollwise analyze --slo examples/slo-logs.yaml --loki ${loki.url} --elasticsearch ${es.url} --tempo ${tempo.url} --jaeger ${jaeger.url} --window-end ${end} --windows ${windows}\n`
)
const stop = async () => {
  await Promise.all([loki.close(), es.close(), tempo.close(), jaeger.close()])
  process.exit(0)
}
process.on("SIGINT", () => void stop())
process.on("SIGTERM", () => void stop())
