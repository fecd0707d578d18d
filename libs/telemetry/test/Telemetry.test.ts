import { fc, test } from "@fast-check/vitest"
import { Effect, Exit, Layer, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { Telemetry } from "../src/index.ts"

const parse = (env: Telemetry.Env) => Effect.runSync(Telemetry.parseConfig(env))
const parseError = (env: Telemetry.Env): Telemetry.TelemetryConfigError => {
  const exit = Effect.runSyncExit(Telemetry.parseConfig(env))
  if (Exit.isSuccess(exit)) throw new Error(`expected a TelemetryConfigError, got ${JSON.stringify(exit.value)}`)
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason?._tag !== "Fail") throw new Error("expected a typed failure")
  return reason.error
}
const otlp = (env: Telemetry.Env): Telemetry.Otlp => {
  const config = parse(env)
  if (config.exporter !== "otlp") throw new Error("expected otlp")
  return config
}

describe("Telemetry.parseConfig", () => {
  it("is off when nothing is set, when the endpoint is empty, and when OTEL_TRACES_EXPORTER=none even with an endpoint", () => {
    expect(parse({})).toEqual({ exporter: "none" })
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: "  ", OTEL_SERVICE_NAME: "x" })).toEqual({ exporter: "none" })
    expect(parse({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })).toEqual({ exporter: "none" })
    expect(parse({ OTEL_TRACES_EXPORTER: "NONE", OTEL_EXPORTER_OTLP_HEADERS: "garbage" })).toEqual({ exporter: "none" })
  })

  it("turns otlp on by default once an endpoint is set, appending /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT (after its own path)", () => {
    expect(otlp({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }).endpoint).toBe("http://127.0.0.1:4318/v1/traces")
    expect(otlp({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example.com/" }).endpoint).toBe("https://otel.example.com/v1/traces")
    expect(otlp({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://gw.example.com/otlp/" }).endpoint).toBe("https://gw.example.com/otlp/v1/traces")
  })

  it("takes OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as the full URL, over the base endpoint", () => {
    const config = otlp({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/custom/traces", OTEL_EXPORTER_OTLP_ENDPOINT: "http://other:4318" })
    expect(config.endpoint).toBe("http://collector:4318/custom/traces")
  })

  it("uses the specification's default endpoint when OTEL_TRACES_EXPORTER=otlp names no endpoint", () => {
    expect(otlp({ OTEL_TRACES_EXPORTER: "otlp" }).endpoint).toBe("http://localhost:4318/v1/traces")
  })

  it("merges OTEL_EXPORTER_OTLP_HEADERS with OTEL_EXPORTER_OTLP_TRACES_HEADERS (traces win), lower-cases names and percent-decodes values", () => {
    const config = otlp({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20abc , x-scope=a%2Cb%3Dc,,",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-scope=traces"
    })
    expect(Redacted.value(config.headers)).toEqual({ authorization: "Bearer abc", "x-scope": "traces" })
    expect(String(config.headers)).not.toContain("abc")
  })

  it("reads OTEL_SERVICE_NAME, else service.name from OTEL_RESOURCE_ATTRIBUTES, and the decoded resource attributes", () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }
    expect(otlp(base).serviceName).toBeUndefined()
    expect(otlp({ ...base, OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attrs,team=deploy%20tools" })).toMatchObject({
      serviceName: "from-attrs",
      resourceAttributes: { "service.name": "from-attrs", team: "deploy tools" }
    })
    expect(otlp({ ...base, OTEL_SERVICE_NAME: "rollwise-api", OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attrs" }).serviceName).toBe("rollwise-api")
  })

  it("reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on)", () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }
    expect(otlp(base).sampler).toEqual({ kind: "parentbased_always_on", ratio: 1 })
    expect(otlp({ ...base, OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" }).sampler).toEqual({ kind: "parentbased_traceidratio", ratio: 0.25 })
    expect(otlp({ ...base, OTEL_TRACES_SAMPLER: "traceidratio" }).sampler).toEqual({ kind: "traceidratio", ratio: 1 })
    expect(otlp({ ...base, OTEL_TRACES_SAMPLER: "always_off", OTEL_TRACES_SAMPLER_ARG: "junk ignored" }).sampler).toEqual({ kind: "always_off", ratio: 1 })
  })

  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }
  it.each([
    [{ OTEL_TRACES_EXPORTER: "jaeger" }, "UnknownExporter", 'OTEL_TRACES_EXPORTER must be "otlp" or "none" (got "jaeger")'],
    [{ OTEL_TRACES_EXPORTER: "otlp,console" }, "UnknownExporter", 'OTEL_TRACES_EXPORTER must be "otlp" or "none" (got "otlp,console")'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "127.0.0.1:4318" }, "BadEndpoint", "OTEL_EXPORTER_OTLP_ENDPOINT is not a URL (expected http://host:port/…)"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318" }, "BadEndpoint", "OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (got localhost:)"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" }, "BadEndpoint", "OTEL_EXPORTER_OTLP_ENDPOINT is not a URL (expected http://host:port/…)"],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "grpc://collector:4317" }, "BadEndpoint", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http:// or https:// URL (got grpc:)"],
    [{ ...endpoint, OTEL_EXPORTER_OTLP_HEADERS: "a=1,justatoken" }, "BadHeaders", "OTEL_EXPORTER_OTLP_HEADERS entry 2 is not key=value"],
    [{ ...endpoint, OTEL_EXPORTER_OTLP_HEADERS: "=x" }, "BadHeaders", "OTEL_EXPORTER_OTLP_HEADERS entry 1 is not key=value"],
    [{ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_HEADERS: "bad name=x" }, "BadHeaders", "OTEL_EXPORTER_OTLP_TRACES_HEADERS entry 1 has a key that is not a valid HTTP header name"],
    [{ ...endpoint, OTEL_EXPORTER_OTLP_HEADERS: "a=%E0%A4%A" }, "BadHeaders", "OTEL_EXPORTER_OTLP_HEADERS entry 1 has a value that is not valid percent-encoding"],
    [{ ...endpoint, OTEL_EXPORTER_OTLP_HEADERS: "a=x%0D%0Ainjected: 1" }, "BadHeaders", "OTEL_EXPORTER_OTLP_HEADERS entry 1 has a value with characters an HTTP header cannot carry (control characters or beyond Latin-1)"],
    [{ ...endpoint, OTEL_EXPORTER_OTLP_HEADERS: "a=%E2%82%AC" }, "BadHeaders", "OTEL_EXPORTER_OTLP_HEADERS entry 1 has a value with characters an HTTP header cannot carry (control characters or beyond Latin-1)"],
    [{ ...endpoint, OTEL_RESOURCE_ATTRIBUTES: "team" }, "BadResourceAttributes", "OTEL_RESOURCE_ATTRIBUTES entry 1 is not key=value"],
    [{ ...endpoint, OTEL_RESOURCE_ATTRIBUTES: "a=%zz" }, "BadResourceAttributes", "OTEL_RESOURCE_ATTRIBUTES entry 1 has a value that is not valid percent-encoding"],
    [{ ...endpoint, OTEL_TRACES_SAMPLER: "xray" }, "BadSampler", "OTEL_TRACES_SAMPLER must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio (got \"xray\")"],
    [{ ...endpoint, OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1.5" }, "BadSampler", "OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1"],
    [{ ...endpoint, OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0x1" }, "BadSampler", "OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1"]
  ] as const)("rejects %j as %s with a one-line message naming the variable", (env, reason, message) => {
    const error = parseError(env)
    expect(error._tag).toBe("TelemetryConfigError")
    expect(error.reason).toBe(reason)
    expect(error.message).toBe(message)
    expect(error.message).not.toContain("\n")
    expect(message.startsWith(error.variable)).toBe(true)
  })

  it("fails Telemetry.layerFromEnv with the same error", () => {
    const exit = Effect.runSyncExit(Layer.build(Telemetry.layerFromEnv({ OTEL_TRACES_EXPORTER: "zipkin" }, { serviceName: "rollwise" })).pipe(Effect.scoped))
    expect(Exit.isFailure(exit) && exit.cause.reasons.some((r) => r._tag === "Fail" && r.error.reason === "UnknownExporter")).toBe(true)
  })

  it("is Layer.empty when off: nothing is installed and the SDK is not loaded", () => {
    expect(Telemetry.layer(Telemetry.off, { serviceName: "rollwise" })).toBe(Layer.empty)
  })
})

describe("Telemetry.describe", () => {
  it("says off, or where spans go and for which service", () => {
    expect(Telemetry.describe(Telemetry.off)).toBe("traces: off")
    const config = parse({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })
    expect(Telemetry.describe(config, { serviceName: "rollwise" })).toBe("traces: otlp → http://127.0.0.1:4318/v1/traces (service rollwise)")
    expect(Telemetry.describe(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SERVICE_NAME: "api" }), { serviceName: "rollwise" })).toBe(
      "traces: otlp → http://127.0.0.1:4318/v1/traces (service api)"
    )
  })

  it("names headers but not their values, shows a non-default sampler, and masks URL credentials and queries", () => {
    const config = parse({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://user:pa55@otel.example.com/v1/traces?api-key=k3y",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20s3cret",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.1"
    })
    const line = Telemetry.describe(config, { serviceName: "rollwise" })
    expect(line).toBe("traces: otlp → https://***@otel.example.com/v1/traces?… (service rollwise; headers authorization; sampler parentbased_traceidratio 0.1)")
    for (const secret of ["s3cret", "pa55", "user", "k3y"]) expect(line).not.toContain(secret)
  })
})

/** Secret-looking values: a marker and then anything, commas, `=`, `%`, spaces and non-ASCII included. */
const awkward = fc.oneof(fc.constantFrom(",", "=", "%", " ", "\n", "\r", "\t", "\u0000", "é", "€", "🔑"), fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }))
const secret = fc.string({ minLength: 4, maxLength: 30, unit: awkward }).map((s) => `sk-${s}`)
/** The same, limited to what an HTTP header value may carry. */
const headerChar = fc.oneof(fc.constant(9), fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c))
const headerValue = fc.string({ minLength: 4, maxLength: 30, unit: headerChar }).map((s) => `sk-${s}`)
// names are shown on purpose (describe lists them); the values' "sk-" marker must not occur in one, or the check below could not tell them apart
const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,15}$/).filter((name) => !name.includes("sk-"))

describe("secrets (property)", () => {
  test.prop([fc.uniqueArray(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 4, selector: ([k]) => k })])(
    "well-formed header values never reach describe, the config's string form or JSON",
    (pairs) => {
      const config = otlp({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
        OTEL_EXPORTER_OTLP_HEADERS: pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(",")
      })
      const shown = [Telemetry.describe(config, { serviceName: "rollwise" }), String(config.headers), JSON.stringify(config)]
      for (const text of shown) {
        expect(text).not.toContain("sk-")
        for (const [, v] of pairs) expect(text).not.toContain(v)
      }
    }
  )

  const malformed = fc.oneof(
    secret.map((v) => v.replace(/[=,]/g, "")), // a bare token, no key
    secret.map((v) => `x=${v.replace(/,/g, "")}%`), // broken percent-encoding
    secret.map((v) => `x=${encodeURIComponent(v)}%0A`), // a control character (in a header)
    secret.map((v) => `bad key ${v.replace(/[=,]/g, "")}=1`) // not a header name, the secret in the key
  )
  test.prop([fc.constantFrom("OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_RESOURCE_ATTRIBUTES"), malformed, secret])(
    "a malformed entry fails without quoting any entry, well-formed neighbours included",
    (variable, entry, neighbour) => {
      const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", [variable]: `ok=${encodeURIComponent(neighbour)},${entry}` }
      const exit = Effect.runSyncExit(Telemetry.parseConfig(env))
      if (Exit.isSuccess(exit)) return // e.g. a resource attribute key may contain spaces
      const error = exit.cause.reasons.find((r) => r._tag === "Fail")!
      if (error._tag !== "Fail") throw new Error("expected a typed failure")
      for (const text of [error.error.message, String(error.error), JSON.stringify(error.error)]) {
        expect(text).not.toContain("sk-")
        expect(text).toContain(variable)
      }
    }
  )
})
