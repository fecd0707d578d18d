/**
 * OpenTelemetry traces for Rollwise. This module only installs a tracer:
 * callers make spans with Effect's own `Effect.withSpan`, `Effect.fn` and
 * `Effect.annotateCurrentSpan`, and under `layer` those spans are exported by
 * OTLP/HTTP (JSON) through a batch processor. Off by default; when off, the
 * OpenTelemetry SDK is never loaded.
 *
 * @since 0.1.0
 */
import { Data, type Duration, Effect, Layer, Redacted } from "effect"
import { displayUrl, httpUrl, keyValueList, quotable, read } from "./internal/env.ts"

/** An environment record such as `process.env`; read, never written. */
export type Env = Readonly<Record<string, string | undefined>>

/**
 * A telemetry variable had a value this library cannot use. `variable` names
 * it; the message is one line and never quotes a header value, a resource
 * attribute value, a URL's credentials or a malformed entry's text.
 */
export class TelemetryConfigError extends Data.TaggedError("TelemetryConfigError")<{
  readonly reason: "UnknownExporter" | "BadEndpoint" | "BadHeaders" | "BadResourceAttributes" | "BadSampler"
  /** The environment variable at fault, e.g. `OTEL_EXPORTER_OTLP_HEADERS`. */
  readonly variable: string
  /** What is wrong, without the offending value when it could be a secret. */
  readonly detail: string
}> {
  override get message(): string {
    return `${this.variable} ${this.detail}`
  }
}

/**
 * Which traces are kept, as named by OTEL_TRACES_SAMPLER; `ratio` (from
 * OTEL_TRACES_SAMPLER_ARG, default 1) applies to the `traceidratio` kinds.
 */
export interface Sampler {
  readonly kind: "always_on" | "always_off" | "traceidratio" | "parentbased_always_on" | "parentbased_always_off" | "parentbased_traceidratio"
  readonly ratio: number
}

const samplerKinds: ReadonlyArray<Sampler["kind"]> = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio"
]

/** Tracing off: `layer` is `Layer.empty`. */
export interface Off {
  readonly exporter: "none"
}

/** Tracing on: spans go by OTLP/HTTP JSON to `endpoint`. */
export interface Otlp {
  readonly exporter: "otlp"
  /** The full traces URL (…/v1/traces). */
  readonly endpoint: string
  /** Extra request headers (lower-case names); the values are secrets. */
  readonly headers: Redacted.Redacted<Readonly<Record<string, string>>>
  /** OTEL_SERVICE_NAME, else `service.name` from OTEL_RESOURCE_ATTRIBUTES; the caller's default applies when neither is set. */
  readonly serviceName: string | undefined
  /** OTEL_RESOURCE_ATTRIBUTES, decoded. */
  readonly resourceAttributes: Readonly<Record<string, string>>
  readonly sampler: Sampler
}

/** What `parseConfig` reads from the environment. */
export type Config = Off | Otlp

/** What the caller knows and the environment does not. */
export interface Options {
  /** `service.name` when OTEL_SERVICE_NAME (or the resource attribute) is not set, e.g. "rollwise". */
  readonly serviceName: string
  /** `service.version`, e.g. the package version. */
  readonly serviceVersion?: string | undefined
  /**
   * The longest a closing scope waits to flush spans, and the timeout of each
   * export request (default 3 seconds). A collector that is down costs at most
   * this at shutdown; spans not sent by then are dropped.
   */
  readonly shutdownTimeout?: Duration.Input | undefined
}

/** `OTEL_TRACES_EXPORTER` and friends when nothing is set: tracing off. */
export const off: Config = { exporter: "none" }

const DEFAULT_ENDPOINT = "http://localhost:4318/v1/traces"

const fail = (reason: TelemetryConfigError["reason"], variable: string, detail: string) =>
  Effect.fail(new TelemetryConfigError({ reason, variable, detail }))

const endpointOf = (env: Env): Effect.Effect<string | undefined, TelemetryConfigError> => {
  const traces = read(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
  if (traces !== undefined) {
    const parsed = httpUrl(traces)
    return parsed._tag === "ok" ? Effect.succeed(parsed.url.href) : fail("BadEndpoint", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", parsed.detail)
  }
  const base = read(env, "OTEL_EXPORTER_OTLP_ENDPOINT")
  if (base === undefined) return Effect.succeed(undefined)
  const parsed = httpUrl(base)
  if (parsed._tag === "error") return fail("BadEndpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", parsed.detail)
  // the specification: the signal path is appended to the base URL's own path
  const url = parsed.url
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/traces`
  return Effect.succeed(url.href)
}

const listOf = (env: Env, variable: string, mode: "httpHeader" | "attribute"): Effect.Effect<Record<string, string>, TelemetryConfigError> => {
  const text = read(env, variable)
  if (text === undefined) return Effect.succeed({})
  const parsed = keyValueList(text, mode)
  return parsed._tag === "ok" ? Effect.succeed(parsed.entries) : fail(mode === "httpHeader" ? "BadHeaders" : "BadResourceAttributes", variable, parsed.detail)
}

const samplerOf = (env: Env): Effect.Effect<Sampler, TelemetryConfigError> => {
  const name = read(env, "OTEL_TRACES_SAMPLER")?.toLowerCase() ?? "parentbased_always_on"
  const kind = samplerKinds.find((k) => k === name)
  if (kind === undefined) {
    const shown = quotable(name)
    return fail("BadSampler", "OTEL_TRACES_SAMPLER", `must be one of ${samplerKinds.join(", ")}${shown === undefined ? "" : ` (got "${shown}")`}`)
  }
  const arg = read(env, "OTEL_TRACES_SAMPLER_ARG")
  if (arg === undefined || !kind.endsWith("traceidratio")) return Effect.succeed({ kind, ratio: 1 })
  const ratio = Number(arg)
  return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 && /^[\d.eE+-]+$/.test(arg)
    ? Effect.succeed({ kind, ratio })
    : fail("BadSampler", "OTEL_TRACES_SAMPLER_ARG", "must be a number from 0 to 1")
}

/**
 * Reads the standard OpenTelemetry variables from `env` (pass `process.env`
 * in an app, a literal record in tests): OTEL_TRACES_EXPORTER (`otlp` |
 * `none`; default `otlp` when an endpoint is set, else `none`),
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_HEADERS / OTEL_EXPORTER_OTLP_TRACES_HEADERS,
 * OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG).
 * With the exporter off, nothing else is read or checked.
 */
export const parseConfig = (env: Env): Effect.Effect<Config, TelemetryConfigError> =>
  Effect.gen(function* () {
    const exporterText = read(env, "OTEL_TRACES_EXPORTER")?.toLowerCase()
    if (exporterText !== undefined && exporterText !== "otlp" && exporterText !== "none") {
      const shown = quotable(exporterText)
      return yield* fail("UnknownExporter", "OTEL_TRACES_EXPORTER", `must be "otlp" or "none"${shown === undefined ? "" : ` (got "${shown}")`}`)
    }
    if (exporterText === "none") return off
    const endpoint = yield* endpointOf(env)
    if (exporterText === undefined && endpoint === undefined) return off
    const headers = {
      ...(yield* listOf(env, "OTEL_EXPORTER_OTLP_HEADERS", "httpHeader")),
      ...(yield* listOf(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "httpHeader"))
    }
    const resourceAttributes = yield* listOf(env, "OTEL_RESOURCE_ATTRIBUTES", "attribute")
    const sampler = yield* samplerOf(env)
    return {
      exporter: "otlp" as const,
      endpoint: endpoint ?? DEFAULT_ENDPOINT,
      headers: Redacted.make(headers, { label: "OTLP headers" }),
      serviceName: read(env, "OTEL_SERVICE_NAME") ?? resourceAttributes["service.name"],
      resourceAttributes,
      sampler
    }
  })

/**
 * One line for a startup log, free of secrets: `traces: off`, or
 * `traces: otlp → http://127.0.0.1:4318/v1/traces (service rollwise)` with
 * header names (never values) and a non-default sampler when set. URL
 * credentials and query strings are masked.
 */
export const describe = (config: Config, options?: Pick<Options, "serviceName">): string => {
  if (config.exporter === "none") return "traces: off"
  const details = [`service ${config.serviceName ?? options?.serviceName ?? "unknown_service"}`]
  const headerNames = Object.keys(Redacted.value(config.headers))
  if (headerNames.length > 0) details.push(`headers ${headerNames.join(", ")}`)
  if (config.sampler.kind !== "parentbased_always_on") {
    details.push(`sampler ${config.sampler.kind}${config.sampler.kind.endsWith("traceidratio") ? ` ${config.sampler.ratio}` : ""}`)
  }
  return `traces: otlp → ${displayUrl(config.endpoint)} (${details.join("; ")})`
}

/**
 * Installs Effect's tracer backed by the OpenTelemetry SDK when `config` is
 * `otlp`: every span made with `Effect.withSpan` / `Effect.fn` under this
 * layer is batched and posted as OTLP/HTTP JSON to `config.endpoint`. When the
 * layer's scope closes, pending spans are flushed and the SDK shut down,
 * waiting at most `options.shutdownTimeout` (never failing). When `config` is
 * off this is `Layer.empty` and the SDK modules are not even imported.
 *
 * The tracer is not registered as the global OpenTelemetry provider: spans
 * come from Effect code only.
 */
export const layer = (config: Config, options: Options): Layer.Layer<never> =>
  config.exporter === "none"
    ? Layer.empty
    : Layer.unwrap(Effect.promise(() => import("./internal/sdk.ts")).pipe(Effect.map((sdk) => sdk.layerOtlp(config, options))))

/** `parseConfig(env)` then `layer(config, options)`; fails when a variable is bad. */
export const layerFromEnv = (env: Env, options: Options): Layer.Layer<never, TelemetryConfigError> =>
  Layer.unwrap(Effect.map(parseConfig(env), (config) => layer(config, options)))
