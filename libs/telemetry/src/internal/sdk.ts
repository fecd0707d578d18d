/**
 * Everything that loads the OpenTelemetry SDK. `Telemetry.layer` imports this
 * module dynamically, so a process with tracing off never loads it.
 */
import * as OtelTracer from "@effect/opentelemetry/OtelTracer"
import * as Resource from "@effect/opentelemetry/Resource"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler
} from "@opentelemetry/sdk-trace-base"
import { Duration, Effect, Layer, Redacted } from "effect"
import type * as Telemetry from "../Telemetry.ts"

const samplerOf = (sampler: Telemetry.Sampler): Sampler => {
  switch (sampler.kind) {
    case "always_on":
      return new AlwaysOnSampler()
    case "always_off":
      return new AlwaysOffSampler()
    case "traceidratio":
      return new TraceIdRatioBasedSampler(sampler.ratio)
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() })
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() })
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampler.ratio) })
  }
}

/**
 * Effect's tracer over a tracer provider with one span processor. Releasing
 * the layer flushes and shuts the provider down, waiting at most
 * `shutdownTimeout` and swallowing every failure: telemetry never fails or
 * holds up the program it observes.
 */
export const layerTracer = (options: {
  readonly processor: SpanProcessor
  readonly sampler: Sampler
  readonly resource: { readonly serviceName: string; readonly serviceVersion?: string | undefined; readonly attributes?: Readonly<Record<string, string>> }
  readonly shutdownTimeout: Duration.Duration
}): Layer.Layer<never> => {
  const provider = Layer.effect(
    OtelTracer.OtelTracerProvider,
    Effect.gen(function* () {
      const resource = yield* Resource.Resource
      return yield* Effect.acquireRelease(
        Effect.sync(() => new BasicTracerProvider({ resource, sampler: options.sampler, spanProcessors: [options.processor] })),
        (p) =>
          Effect.tryPromise(() => p.forceFlush().finally(() => p.shutdown())).pipe(
            Effect.timeoutOption(options.shutdownTimeout),
            Effect.interruptible,
            Effect.ignoreCause
          )
      )
    })
  )
  const { serviceName, serviceVersion, attributes } = options.resource
  const resource = Resource.layer({
    serviceName,
    ...(serviceVersion === undefined ? {} : { serviceVersion }),
    ...(attributes === undefined ? {} : { attributes: { ...attributes } })
  })
  return OtelTracer.layer.pipe(Layer.provide(provider), Layer.provide(resource))
}

/** The OTLP/HTTP JSON exporter behind a batch processor, bounded by the shutdown timeout. */
export const layerOtlp = (config: Telemetry.Otlp, options: Telemetry.Options): Layer.Layer<never> => {
  const shutdownTimeout = Duration.fromInputUnsafe(options.shutdownTimeout ?? Duration.seconds(3))
  const timeoutMillis = Math.max(1, Math.round(Duration.toMillis(shutdownTimeout)))
  return Layer.unwrap(
    Effect.sync(() => {
      const exporter = new OTLPTraceExporter({
        url: config.endpoint,
        headers: { ...Redacted.value(config.headers) },
        timeoutMillis
      })
      return layerTracer({
        processor: new BatchSpanProcessor(exporter, { exportTimeoutMillis: timeoutMillis }),
        sampler: samplerOf(config.sampler),
        resource: { serviceName: config.serviceName ?? options.serviceName, serviceVersion: options.serviceVersion, attributes: config.resourceAttributes },
        shutdownTimeout
      })
    })
  )
}
