/**
 * OpenTelemetry traces for Rollwise: one span per request and per decision (verdict in attributes), exported by OTLP/HTTP when configured, off by default.
 *
 * @since 0.1.0
 */
export * as Telemetry from "./Telemetry.ts"
