/**
 * The OpenFeature server provider applications install to evaluate
 * Rollwise-driven flags, and the telemetry hook that lets Prometheus split a
 * service's own metrics by variant.
 *
 * The provider polls `GET {url}/v1/flags/{key}` with `If-None-Match` and
 * evaluates locally from its cache: no network call per evaluation. A user
 * gets `doc.on` when its bucket (`Bucketing.bucket(salt, key, targetingKey)`)
 * is below `doc.percentage`, else `doc.off`; so a rollback to 0 % reaches
 * every instance within one poll interval.
 *
 * Safe defaults: the caller's default value is returned (the SDK reports
 * reason ERROR with the code) when the flag is unknown (FLAG_NOT_FOUND),
 * when Rollwise never answered (GENERAL), when the targeting key is missing
 * (TARGETING_KEY_MISSING) and when the last confirmed document is older
 * than `maxStaleMs` (GENERAL). Between a failed poll and `maxStaleMs` the
 * cached document keeps serving with reason STALE: a short Rollwise outage
 * changes nothing for users, a long one falls back to the code path every
 * user had before the rollout.
 */
import { DefaultLogger, ErrorCode, StandardResolutionReasons } from "@openfeature/core"
import type { EvaluationContext, EvaluationDetails, FlagValue, HookContext, JsonValue, Logger, ResolutionDetails } from "@openfeature/core"
import { GeneralError, OpenFeatureEventEmitter, ProviderEvents } from "@openfeature/server-sdk"
import type { Hook, Provider } from "@openfeature/server-sdk"
import { trace } from "@opentelemetry/api"
import { Redaction } from "@rollwise/redaction"
import { Decode } from "@rollwise/input-schema"
import { Cause, Exit, Schema } from "effect"
import { bucket } from "./Bucketing.ts"
import { FlagDocument } from "./FlagDocument.ts"

/** The provider's name in OpenFeature metadata and in `feature_flag.provider.name`. */
export const providerName = "rollwise"

/** What one poll of one flag came to (for `onPoll`: count them, alert on `error`). */
export interface PollOutcome {
  readonly key: string
  /** `changed`: a new version (200); `unchanged`: 304 or the same version; `not-found`: 404; `invalid`: a body that is not a FlagDocument (the last good one is kept); `error`: unreachable, timeout, 401 or 5xx. */
  readonly outcome: "changed" | "unchanged" | "not-found" | "invalid" | "error"
  /** The cached version after the poll, if any. */
  readonly version?: number
  /** Why, for `invalid` and `error` (the token is redacted). */
  readonly detail?: string
}

/** Configuration of `RollwiseProvider`. */
export interface Options {
  /** Rollwise API base URL, e.g. `http://rollwise:8080` (the provider appends `/v1/flags/{key}`). */
  readonly url: string
  /** Flag keys to poll from startup. Without it, a key is polled from its first evaluation on (which waits for that first answer, at most `timeoutMs`). */
  readonly flags?: ReadonlyArray<string>
  /** Poll period; a rollback reaches this instance within one period. Default 5000. */
  readonly pollIntervalMs?: number
  /** Per-request timeout. Default 2000. */
  readonly timeoutMs?: number
  /**
   * Serve a cached document while polls fail (or answer a document that does not decode) for at most this long after
   * Rollwise last confirmed it (200 or 304), then the caller's default. Must exceed `pollIntervalMs`. Default 300000 (5 min).
   */
  readonly maxStaleMs?: number
  /** Sent as `Authorization: Bearer <token>`; never logged. */
  readonly token?: string
  /** Where poll problems are logged (once per flag until it recovers). Default: OpenFeature's console logger. */
  readonly logger?: Logger
  /** Called after every poll of every flag (to count polls, failures and changes). */
  readonly onPoll?: (outcome: PollOutcome) => void
}

interface Entry {
  doc: FlagDocument | undefined
  /** Epoch ms Rollwise last confirmed `doc` (200 or 304). */
  confirmedAt: number
  notFound: boolean
  /** The last poll failed (transport, 401, 5xx). */
  failing: boolean
  /** An answer (of any kind) has been received or given up on once. */
  first: Promise<void>
  lastProblem: string | undefined
  logged: boolean
}

type Kind = "boolean" | "string" | "number" | "object"

const describeDecodeFailure = (cause: unknown): string => {
  if (Schema.isSchemaError(cause)) {
    const { detail, path } = Decode.describeIssue(cause.issue)
    return path === "" ? detail : `${path}: ${detail}`
  }
  return cause instanceof Error ? cause.message : String(cause)
}

/**
 * An OpenFeature server provider fed by Rollwise. Install it with
 * `await OpenFeature.setProviderAndWait(new RollwiseProvider({ url, flags }))`;
 * `setProviderAndWait` rejects when none of `flags` could be fetched
 * (Rollwise down at startup): evaluations still work and return the
 * caller's defaults until a poll succeeds (then the provider emits Ready).
 * Use `setProvider` to start without waiting.
 */
export class RollwiseProvider implements Provider {
  readonly metadata = { name: providerName } as const
  readonly runsOn = "server" as const
  readonly events = new OpenFeatureEventEmitter()
  readonly hooks: Array<Hook> = []

  private readonly url: string
  private readonly pollIntervalMs: number
  private readonly timeoutMs: number
  private readonly maxStaleMs: number
  private readonly token: string | undefined
  private readonly logger: Logger
  private readonly onPoll: ((outcome: PollOutcome) => void) | undefined
  private readonly entries = new Map<string, Entry>()
  private readonly abort = new AbortController()
  private timer: ReturnType<typeof setTimeout> | undefined
  private round: Promise<void> = Promise.resolve()
  private health: "ready" | "stale" | "error" | "starting" = "starting"
  private closed = false

  constructor(options: Options) {
    if (!/^https?:\/\/[^/]/.test(options.url)) throw new TypeError(`RollwiseProvider: url must be an http(s) URL, got ${JSON.stringify(options.url)}`)
    const positive = (name: string, value: number | undefined, fallback: number): number => {
      const v = value ?? fallback
      if (!Number.isFinite(v) || v <= 0) throw new TypeError(`RollwiseProvider: ${name} must be a positive number of ms, got ${value}`)
      return v
    }
    this.url = options.url.replace(/\/+$/, "")
    this.pollIntervalMs = positive("pollIntervalMs", options.pollIntervalMs, 5000)
    this.timeoutMs = positive("timeoutMs", options.timeoutMs, 2000)
    this.maxStaleMs = positive("maxStaleMs", options.maxStaleMs, 300_000)
    if (this.maxStaleMs <= this.pollIntervalMs) {
      throw new TypeError(`RollwiseProvider: maxStaleMs (${this.maxStaleMs}) must exceed pollIntervalMs (${this.pollIntervalMs}), or every document would be stale before its next poll`)
    }
    this.token = options.token
    this.logger = options.logger ?? new DefaultLogger()
    this.onPoll = options.onPoll
    for (const key of options.flags ?? []) this.watch(key, false)
  }

  /** Polls the configured flags once; rejects (the SDK emits Error) only when every one of them failed to reach Rollwise. */
  async initialize(): Promise<void> {
    const keys = [...this.entries.keys()]
    const results = await Promise.all(keys.map((key) => this.poll(key)))
    this.schedule()
    if (keys.length > 0 && results.every((r) => r === "error")) {
      this.health = "error"
      const problem = this.entries.get(keys[0]!)?.lastProblem ?? "no answer"
      throw new GeneralError(`Rollwise unreachable at ${this.url}: ${problem}`)
    }
    this.health = results.some((r) => r === "error") ? "stale" : "ready"
  }

  /** Stops polling and aborts requests in flight; no request is sent after it resolves. */
  async onClose(): Promise<void> {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.abort.abort()
    await this.round
    await Promise.all([...this.entries.values()].map((e) => e.first))
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return this.resolve(flagKey, defaultValue, context, "boolean")
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return this.resolve(flagKey, defaultValue, context, "string")
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return this.resolve(flagKey, defaultValue, context, "number")
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return this.resolve(flagKey, defaultValue, context, "object")
  }

  private async resolve<T extends FlagValue>(key: string, defaultValue: T, context: EvaluationContext, kind: Kind): Promise<ResolutionDetails<T>> {
    let entry = this.entries.get(key)
    if (entry === undefined) {
      if (this.closed) return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.GENERAL, errorMessage: "provider closed" }
      entry = this.watch(key, true)
    }
    if (entry.doc === undefined && !entry.notFound) await entry.first
    return this.evaluate(entry, key, defaultValue, context, kind)
  }

  private evaluate<T extends FlagValue>(entry: Entry, key: string, defaultValue: T, context: EvaluationContext, kind: Kind): ResolutionDetails<T> {
    const fallback = (errorCode: ErrorCode, errorMessage: string): ResolutionDetails<T> => ({
      value: defaultValue,
      reason: StandardResolutionReasons.ERROR,
      errorCode,
      errorMessage
    })
    const doc = entry.doc
    if (doc === undefined) {
      return entry.notFound
        ? fallback(ErrorCode.FLAG_NOT_FOUND, `flag ${key} not found in Rollwise`)
        : fallback(ErrorCode.GENERAL, `flag ${key} not fetched from Rollwise yet: ${entry.lastProblem ?? "no answer"}`)
    }
    if (Date.now() - entry.confirmedAt > this.maxStaleMs) {
      return fallback(ErrorCode.GENERAL, `flag ${key}: Rollwise unreachable for longer than maxStaleMs (${this.maxStaleMs} ms); serving the default`)
    }
    const targetingKey = context.targetingKey
    if (targetingKey === undefined || targetingKey === "") {
      return fallback(ErrorCode.TARGETING_KEY_MISSING, `flag ${key} buckets users by targetingKey; none in the evaluation context`)
    }
    const variant = bucket(doc.salt, doc.key, targetingKey) < doc.percentage ? doc.on : doc.off
    const flagMetadata = { version: doc.version, percentage: doc.percentage, contextId: targetingKey, ...(doc.rollout !== undefined ? { rollout: doc.rollout } : {}) }
    const reason = entry.failing ? StandardResolutionReasons.STALE : StandardResolutionReasons.TARGETING_MATCH
    switch (kind) {
      case "boolean":
        return { value: (variant === doc.on) as T, variant, reason, flagMetadata }
      case "string":
        return { value: variant as T, variant, reason, flagMetadata }
      default:
        return { ...fallback(ErrorCode.TYPE_MISMATCH, `flag ${key} is a boolean/string flag (variants ${doc.off}, ${doc.on}), asked as ${kind}`), variant, flagMetadata }
    }
  }

  private watch(key: string, pollNow: boolean): Entry {
    const entry: Entry = { doc: undefined, confirmedAt: 0, notFound: false, failing: false, first: Promise.resolve(), lastProblem: undefined, logged: false }
    this.entries.set(key, entry)
    if (pollNow) {
      entry.first = this.poll(key).then((outcome) => {
        if (outcome === "changed" && this.health !== "starting") this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [key] })
      })
    }
    return entry
  }

  private schedule(): void {
    if (this.closed) return
    this.timer = setTimeout(() => {
      this.round = this.pollAll().finally(() => this.schedule())
    }, this.pollIntervalMs)
    this.timer.unref?.()
  }

  private async pollAll(): Promise<void> {
    const keys = [...this.entries.keys()]
    const outcomes = await Promise.all(keys.map(async (key) => [key, await this.poll(key)] as const))
    if (this.closed) return
    const changed = outcomes.filter(([, o]) => o === "changed" || o === "not-found-now").map(([k]) => k)
    if (changed.length > 0) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed })
    const failed = outcomes.filter(([, o]) => o === "error").map(([k]) => k)
    if (failed.length === 0) {
      if (this.health !== "ready" && outcomes.length > 0) {
        this.health = "ready"
        this.events.emit(ProviderEvents.Ready, { message: "Rollwise reachable again" })
      }
    } else if (this.health === "ready" || this.health === "starting") {
      const anyCached = failed.some((k) => this.entries.get(k)?.doc !== undefined)
      this.health = anyCached ? "stale" : "error"
      const message = `Rollwise unreachable at ${this.url} for ${failed.join(", ")}: ${this.entries.get(failed[0]!)?.lastProblem ?? "no answer"}`
      if (anyCached) this.events.emit(ProviderEvents.Stale, { message })
      else this.events.emit(ProviderEvents.Error, { message, errorCode: ErrorCode.GENERAL })
    }
  }

  /** One request for one flag; updates its entry. `not-found-now`: it was known and is gone. */
  private async poll(key: string): Promise<"changed" | "unchanged" | "not-found" | "not-found-now" | "invalid" | "error"> {
    const entry = this.entries.get(key)
    if (entry === undefined || this.closed) return "unchanged"
    const report = (outcome: PollOutcome["outcome"], detail?: string) => {
      this.onPoll?.({ key, outcome, ...(entry.doc !== undefined ? { version: entry.doc.version } : {}), ...(detail !== undefined ? { detail } : {}) })
    }
    const problem = (outcome: "invalid" | "error", detail: string) => {
      const clean = Redaction.redact(detail, [this.token])
      if (outcome === "error") entry.failing = true
      entry.lastProblem = clean
      if (!entry.logged) {
        entry.logged = true
        this.logger.warn(
          `rollwise provider: flag ${key}: ${clean}${entry.doc !== undefined ? ` (keeping version ${entry.doc.version})` : " (serving the caller's default)"}`
        )
      }
      report(outcome, clean)
      return outcome
    }
    const headers: Record<string, string> = { accept: "application/json" }
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`
    if (entry.doc !== undefined) headers["if-none-match"] = `"${entry.doc.version}"`
    let response: Response
    let text: string
    try {
      response = await fetch(`${this.url}/v1/flags/${encodeURIComponent(key)}`, {
        headers,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.timeoutMs)])
      })
      text = await response.text()
    } catch (cause) {
      if (this.closed) return "unchanged"
      const reason = cause instanceof Error && cause.name === "TimeoutError" ? `no answer within ${this.timeoutMs} ms` : `request failed: ${cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause)}`
      return problem("error", reason)
    }
    if (response.status === 304) return this.confirmed(entry, "unchanged", report)
    if (response.status === 404) {
      const known = entry.doc !== undefined
      entry.doc = undefined
      entry.notFound = true
      this.recovered(entry)
      report("not-found")
      return known ? "not-found-now" : "not-found"
    }
    if (response.status !== 200) return problem("error", `HTTP ${response.status}: ${text.slice(0, 200)}`)
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return problem("invalid", `not JSON: ${text.slice(0, 80)}`)
    }
    const exit = Schema.decodeUnknownExit(FlagDocument)(json)
    if (Exit.isFailure(exit)) return problem("invalid", `not a FlagDocument: ${describeDecodeFailure(Cause.squash(exit.cause))}`)
    const doc = exit.value
    if (doc.key !== key) return problem("invalid", `answer is for flag ${doc.key}`)
    const changed = entry.doc === undefined || entry.doc.version !== doc.version
    entry.doc = doc
    entry.notFound = false
    return this.confirmed(entry, changed ? "changed" : "unchanged", report)
  }

  private confirmed<O extends "changed" | "unchanged">(entry: Entry, outcome: O, report: (o: PollOutcome["outcome"]) => void): O {
    entry.confirmedAt = Date.now()
    this.recovered(entry)
    report(outcome)
    return outcome
  }

  private recovered(entry: Entry): void {
    entry.failing = false
    entry.logged = false
    entry.lastProblem = undefined
  }
}

/** `new RollwiseProvider(options)`. */
export const make = (options: Options): RollwiseProvider => new RollwiseProvider(options)

/** Attributes of one `feature_flag.evaluation` event, by OpenTelemetry semantic-convention name. */
export type EvaluationAttributes = Readonly<Record<string, string | number | boolean>>

/** Configuration of `TelemetryHook`. */
export interface TelemetryOptions {
  /** Called for every evaluation with its attributes: count them per `feature_flag.key` and `feature_flag.result.variant` (never label a metric by `feature_flag.context.id`: one series per user). */
  readonly onEvaluation?: (attributes: EvaluationAttributes) => void
  /** Add a `feature_flag.evaluation` event to the active OpenTelemetry span (default true; nothing happens without an active span). */
  readonly spanEvents?: boolean
  /** Include `feature_flag.context.id` (the targeting key) in span events and callbacks (default true: semconv "recommended"; turn off if targeting keys are personal data). */
  readonly contextId?: boolean
}

/**
 * Records every flag evaluation with the OpenTelemetry feature-flag
 * semantic conventions: a `feature_flag.evaluation` event on the active span
 * and an `onEvaluation(attributes)` callback for metrics. Runs in the
 * `finally` stage so errors (defaults served) are recorded once too. Install
 * with `OpenFeature.addHooks(new TelemetryHook({ onEvaluation }))`.
 */
export class TelemetryHook implements Hook {
  constructor(private readonly options: TelemetryOptions = {}) {}

  finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
    const attributes = evaluationAttributes(hookContext, details, this.options.contextId ?? true)
    if (this.options.spanEvents ?? true) trace.getActiveSpan()?.addEvent("feature_flag.evaluation", attributes)
    this.options.onEvaluation?.(attributes)
  }
}

/** The semconv attributes of one evaluation (what `TelemetryHook` records). */
export const evaluationAttributes = (hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>, contextId = true): EvaluationAttributes => {
  const out: Record<string, string | number | boolean> = {
    "feature_flag.key": hookContext.flagKey,
    "feature_flag.provider.name": hookContext.providerMetadata.name
  }
  if (details.variant !== undefined) out["feature_flag.result.variant"] = details.variant
  if (details.reason !== undefined) out["feature_flag.result.reason"] = details.reason.toLowerCase()
  const version = details.flagMetadata.version
  if (version !== undefined) out["feature_flag.version"] = String(version)
  const targetingKey = hookContext.context.targetingKey
  if (contextId && targetingKey !== undefined && targetingKey !== "") out["feature_flag.context.id"] = targetingKey
  if (details.errorCode !== undefined) {
    out["error.type"] = details.errorCode.toLowerCase()
    if (details.errorMessage !== undefined) out["feature_flag.error.message"] = details.errorMessage
  }
  return out
}
