/**
 * Test support: a tracer that keeps every finished span in memory, so a
 * project's tests can assert the spans its code makes (names, attributes,
 * status, parent/child links, events) without a collector.
 *
 * @since 0.1.0
 */
import { AlwaysOnSampler, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Duration, Effect, type Layer } from "effect"
import { layerTracer } from "./internal/sdk.ts"

/** A finished span as a test reads it: plain data, no SDK types. */
export interface RecordedSpan {
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  /** The parent's span id; undefined for a root span. */
  readonly parentSpanId: string | undefined
  readonly kind: "internal" | "server" | "client" | "producer" | "consumer"
  readonly attributes: Readonly<Record<string, unknown>>
  /** `ok` for a success, `error` (with Effect's rendering of the cause) for a failure or defect. */
  readonly status: { readonly code: "unset" | "ok" | "error"; readonly message: string | undefined }
  readonly events: ReadonlyArray<{ readonly name: string; readonly attributes: Readonly<Record<string, unknown>> }>
  /** Start to end, in milliseconds. */
  readonly durationMillis: number
  /** The resource's attributes (`service.name`, …). */
  readonly resource: Readonly<Record<string, unknown>>
}

/** What `layerInMemory` returns: the layer to provide and the ways to read what it recorded. */
export interface InMemoryTracing {
  /** Installs Effect's tracer backed by the OpenTelemetry SDK, recording every finished span. */
  readonly layer: Layer.Layer<never>
  /** Finished spans in the order they ended (children before parents); still readable after the layer's scope closed. */
  readonly spans: Effect.Effect<ReadonlyArray<RecordedSpan>>
  /** The same, outside Effect. */
  readonly spansUnsafe: () => ReadonlyArray<RecordedSpan>
  /** Forgets the spans recorded so far. */
  readonly reset: Effect.Effect<void>
}

/** InMemorySpanExporter clears its spans on shutdown; this one keeps them for the assertions that follow. */
class KeepingExporter extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    this._stopped = true
    return Promise.resolve()
  }
}

const kinds = ["internal", "server", "client", "producer", "consumer"] as const
const codes = ["unset", "ok", "error"] as const

const toRecorded = (span: ReadableSpan): RecordedSpan => ({
  name: span.name,
  traceId: span.spanContext().traceId,
  spanId: span.spanContext().spanId,
  parentSpanId: span.parentSpanContext?.spanId,
  kind: kinds[span.kind] ?? "internal",
  attributes: { ...span.attributes },
  status: { code: codes[span.status.code] ?? "unset", message: span.status.message },
  events: span.events.map((event) => ({ name: event.name, attributes: { ...event.attributes } })),
  durationMillis: span.duration[0] * 1000 + span.duration[1] / 1e6,
  resource: { ...span.resource.attributes }
})

/**
 * A fresh in-memory tracer (SimpleSpanProcessor into an in-memory exporter,
 * every span sampled). Make one per test; spans made with `Effect.withSpan` or
 * `Effect.fn` under `layer` show up in `spans` as soon as they end.
 */
export const layerInMemory = (options?: { readonly serviceName?: string; readonly serviceVersion?: string }): InMemoryTracing => {
  const exporter = new KeepingExporter()
  const spansUnsafe = () => exporter.getFinishedSpans().map(toRecorded)
  return {
    layer: layerTracer({
      processor: new SimpleSpanProcessor(exporter),
      sampler: new AlwaysOnSampler(),
      resource: { serviceName: options?.serviceName ?? "rollwise-test", serviceVersion: options?.serviceVersion },
      shutdownTimeout: Duration.seconds(1)
    }),
    spans: Effect.sync(spansUnsafe),
    spansUnsafe,
    reset: Effect.sync(() => exporter.reset())
  }
}
