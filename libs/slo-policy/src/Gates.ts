import { Decode, type DecodeError } from "@rollwise/input-schema"
import { Effect, Schema } from "effect"

const Day = Schema.Literals(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
type Day = typeof Day.Type
const days: ReadonlyArray<Day> = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
const ClockTime = Schema.String.check(Schema.isPattern(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/))
const IsoDate = Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/))

/** A recurring period: on these days, from `from` to `to` local time (`to` before `from` runs past midnight). */
export const Period = Schema.Struct({
  days: Schema.NonEmptyArray(Day),
  from: ClockTime,
  to: ClockTime,
  reason: Schema.optionalKey(Schema.String)
})

/** Dates (inclusive, local) when nothing ships. */
export const Freeze = Schema.Struct({ from: IsoDate, to: IsoDate, reason: Schema.optionalKey(Schema.String) })

/** When deploys may run. Times are read in `timeZone` (IANA, e.g. `Europe/Berlin`). */
export const ChangeWindow = Schema.Struct({
  timeZone: Schema.String,
  blocked: Schema.optionalKey(Schema.Array(Period)),
  freezes: Schema.optionalKey(Schema.Array(Freeze))
})
export type ChangeWindow = typeof ChangeWindow.Type

/** An SLO's error budget over its period: `bad` of `total` events against `target` (0.999). */
export const ErrorBudget = Schema.Struct({
  target: Schema.Finite.check(Schema.isGreaterThan(0), Schema.isLessThan(1)),
  bad: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  total: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Block when the remaining fraction of the budget is at or below this (default 0: only when exhausted). */
  minRemaining: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1)))
})
export type ErrorBudget = typeof ErrorBudget.Type

/** Manual approval above a risk score. */
export const Approval = Schema.Struct({
  threshold: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(100))
})
export type Approval = typeof Approval.Type

/** An OPA server that decides with a Rego policy (`POST /v1/data/<path>`). */
export const Opa = Schema.Struct({
  url: Schema.String,
  path: Schema.String.check(Schema.isPattern(/^[A-Za-z_][\w]*(\/[A-Za-z_][\w]*)*$/)),
  /** Let the deploy through when OPA cannot be reached (default: block). */
  failOpen: Schema.optionalKey(Schema.Boolean),
  /** Seconds to wait for OPA (default 5). */
  timeoutSeconds: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0)))
})
export type Opa = typeof Opa.Type

/** policy.yaml: the gates a deploy must pass before its first step. Each is optional. */
export const GatePolicy = Schema.Struct({
  apiVersion: Schema.Literal("rollwise/v1"),
  kind: Schema.Literal("GatePolicy"),
  changeWindow: Schema.optionalKey(ChangeWindow),
  errorBudget: Schema.optionalKey(ErrorBudget),
  approval: Schema.optionalKey(Approval),
  opa: Schema.optionalKey(Opa),
  /**
   * Who hears of a rollback, an abort, an approval needed and a promotion
   * (Slack, Teams, webhooks, Jira): checked here as present only, decoded in
   * full by the runner with @rollwise/notify's schema.
   */
  notifications: Schema.optionalKey(Schema.Unknown)
})
export type GatePolicy = typeof GatePolicy.Type

/** Whether `YYYY-MM-DD` names a day of the proleptic Gregorian calendar (month 1–12, the month's days, 29 February in leap years only). */
export const isCalendarDate = (text: string): boolean => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (m === null) return false
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  if (month < 1 || month > 12 || day < 1) return false
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const length = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!
  return day <= length
}

/**
 * What the schema cannot say about a policy, each as one error naming the
 * field: a real time zone; freezes on real calendar dates, not written
 * backwards (a freeze that ends before it starts would never block); periods
 * that start before 24:00; an error budget with no more bad events than events.
 */
const policyProblem = (policy: GatePolicy): { readonly path: string; readonly detail: string } | undefined => {
  const window = policy.changeWindow
  if (window !== undefined) {
    if (!isTimeZone(window.timeZone)) return { path: "changeWindow.timeZone", detail: `unknown time zone "${window.timeZone}"` }
    for (const [i, freeze] of (window.freezes ?? []).entries()) {
      for (const key of ["from", "to"] as const) {
        if (!isCalendarDate(freeze[key])) return { path: `changeWindow.freezes[${i}].${key}`, detail: `"${freeze[key]}" is not a calendar date (YYYY-MM-DD)` }
      }
      if (freeze.to < freeze.from) {
        return { path: `changeWindow.freezes[${i}].to`, detail: `the freeze ends (${freeze.to}) before it starts (${freeze.from}); it would never block` }
      }
    }
    for (const [i, period] of (window.blocked ?? []).entries()) {
      if (period.from === "24:00") return { path: `changeWindow.blocked[${i}].from`, detail: `a period starts at 00:00 to 23:59; 24:00 only ends one` }
    }
  }
  const budget = policy.errorBudget
  if (budget !== undefined && budget.bad > budget.total) {
    return { path: "errorBudget.bad", detail: `${budget.bad} bad events of ${budget.total} in all: bad cannot exceed total` }
  }
  return undefined
}

/** Decode a policy.yaml document; what the schema cannot check (time zone, dates, periods, budget counts) is an error naming the field. */
export const decodePolicy = (input: unknown, source = "policy.yaml"): Effect.Effect<GatePolicy, DecodeError> =>
  Effect.gen(function* () {
    yield* Decode.expectKind(input, "GatePolicy", source)
    const policy = yield* Decode.decode(GatePolicy, { source })(input)
    const problem = policyProblem(policy)
    if (problem !== undefined) return yield* Decode.fail({ source, ...problem })
    return policy
  })

/** One gate's answer. */
export interface GateResult {
  readonly gate: "change-window" | "error-budget" | "approval" | "opa"
  readonly status: "pass" | "block"
  readonly reasons: ReadonlyArray<string>
}

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** The wall-clock date, weekday and minute of an instant in a time zone. */
export const localTime = (epochMs: number, timeZone: string): { readonly date: string; readonly day: Day; readonly minute: number } => {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    weekday: "short"
  }).formatToParts(new Date(epochMs))
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ""
  const day = get("weekday").slice(0, 3).toLowerCase() as Day
  return { date: `${get("year")}-${get("month")}-${get("day")}`, day, minute: Number(get("hour")) * 60 + Number(get("minute")) }
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/** Whether a local (day, minute) falls in a recurring period, including the part that runs past midnight. */
export const inPeriod = (period: typeof Period.Type, day: Day, minute: number): boolean => {
  const from = minutes(period.from)
  const to = minutes(period.to)
  if (from < to) return period.days.includes(day) && minute >= from && minute < to
  if (from === to) return period.days.includes(day)
  const yesterday = days[(days.indexOf(day) + 6) % 7]!
  return (period.days.includes(day) && minute >= from) || (period.days.includes(yesterday) && minute < to)
}

/** Block inside a blocked period or a freeze; pass otherwise, saying the local time it checked. */
export const checkChangeWindow = (window: ChangeWindow, epochMs: number): GateResult => {
  const local = localTime(epochMs, window.timeZone)
  const hhmm = `${String(Math.floor(local.minute / 60)).padStart(2, "0")}:${String(local.minute % 60).padStart(2, "0")}`
  const reasons: Array<string> = []
  for (const freeze of window.freezes ?? []) {
    if (local.date >= freeze.from && local.date <= freeze.to) {
      reasons.push(`${local.date} is inside the freeze ${freeze.from} – ${freeze.to}${freeze.reason ? ` (${freeze.reason})` : ""}`)
    }
  }
  for (const period of window.blocked ?? []) {
    if (inPeriod(period, local.day, local.minute)) {
      reasons.push(`${local.day} ${hhmm} ${window.timeZone} is in a blocked period (${period.days.join(",")} ${period.from}–${period.to})${period.reason ? `: ${period.reason}` : ""}`)
    }
  }
  return reasons.length > 0
    ? { gate: "change-window", status: "block", reasons }
    : { gate: "change-window", status: "pass", reasons: [`${local.day} ${local.date} ${hhmm} ${window.timeZone} is outside every blocked period and freeze`] }
}

/**
 * The fraction of the error budget left: 1 − bad / ((1 − target) × total).
 * With no traffic the budget is untouched (1). Negative when overspent.
 */
export const remainingBudget = (budget: ErrorBudget): number => {
  const allowed = (1 - budget.target) * budget.total
  return budget.total === 0 ? 1 : 1 - budget.bad / allowed
}

/** Block when the remaining budget is at or below `minRemaining` (default: exhausted). */
export const checkErrorBudget = (budget: ErrorBudget): GateResult => {
  const remaining = remainingBudget(budget)
  const floor = budget.minRemaining ?? 0
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`
  const target = `${Number((budget.target * 100).toPrecision(6))} %`
  const what = `${budget.bad} bad of ${budget.total} events against a ${target} target leaves ${pct(remaining)} of the error budget`
  // 1e-9: (1 − 0.999) × 10⁶ is 1000.0000000000009 in floating point, and 1000 bad events must exhaust it
  return remaining <= floor + 1e-9
    ? { gate: "error-budget", status: "block", reasons: [`${what}; deploys stop at ${pct(floor)}`] }
    : { gate: "error-budget", status: "pass", reasons: [what] }
}

/** Whether a risk score needs a person's approval under this policy (above its threshold). */
export const needsApproval = (approval: Approval | undefined, riskScore: number): boolean => approval !== undefined && riskScore > approval.threshold

/** Block a risky deploy (score above the threshold) until someone approves it. */
export const checkApproval = (approval: Approval, riskScore: number, approved: boolean): GateResult =>
  needsApproval(approval, riskScore) && !approved
    ? { gate: "approval", status: "block", reasons: [`risk ${riskScore.toFixed(0)} is above the approval threshold ${approval.threshold}: a person must approve (rollwise promote)`] }
    : {
        gate: "approval",
        status: "pass",
        reasons: [riskScore > approval.threshold ? `risk ${riskScore.toFixed(0)} is above ${approval.threshold} and was approved` : `risk ${riskScore.toFixed(0)} is at or below the approval threshold ${approval.threshold}`]
      }

/** The `input` document Rollwise sends to OPA. */
export interface OpaInput {
  readonly decision: unknown
  readonly at: string
  readonly errorBudget?: { readonly remaining: number }
}

/**
 * Read OPA's answer (`{"result": {"allow": bool, "reasons": [...]}}`, or
 * `{"result": bool}`). Anything else — an undefined document (wrong package
 * path), a missing `allow` — blocks, because a policy that does not answer
 * must not let a deploy through.
 */
export const interpretOpa = (response: unknown, path: string): GateResult => {
  const result = typeof response === "object" && response !== null ? (response as { result?: unknown }).result : undefined
  if (typeof result === "boolean") {
    return { gate: "opa", status: result ? "pass" : "block", reasons: [`OPA ${path} answered ${result ? "allow" : "deny"}`] }
  }
  if (typeof result !== "object" || result === null) {
    return { gate: "opa", status: "block", reasons: [`OPA returned no decision for ${path} (is the package path right?)`] }
  }
  const allow = (result as { allow?: unknown }).allow
  const rawReasons = (result as { reasons?: unknown }).reasons
  const reasons = Array.isArray(rawReasons) ? rawReasons.filter((r): r is string => typeof r === "string") : []
  if (typeof allow !== "boolean") {
    return { gate: "opa", status: "block", reasons: [`OPA's decision for ${path} has no boolean "allow"`] }
  }
  return { gate: "opa", status: allow ? "pass" : "block", reasons: reasons.length > 0 ? reasons : [`OPA ${path} answered ${allow ? "allow" : "deny"}`] }
}

/** What happens when OPA cannot be asked: block (fail closed) unless the policy says fail open. */
export const opaUnreachable = (opa: Opa, detail: string): GateResult =>
  opa.failOpen === true
    ? { gate: "opa", status: "pass", reasons: [`OPA unreachable (${detail}); failOpen lets the deploy through`] }
    : { gate: "opa", status: "block", reasons: [`OPA unreachable (${detail}); failing closed`] }

/** The overall answer: block when any gate blocks. */
export const combine = (results: ReadonlyArray<GateResult>): { readonly status: "pass" | "block"; readonly gates: ReadonlyArray<GateResult> } => ({
  status: results.some((r) => r.status === "block") ? "block" : "pass",
  gates: results
})

/**
 * A combined outcome in one list of reasons: every gate's when all pass,
 * the blocking gates' when one blocks (what a rollout records).
 */
export const reasonsOf = (outcome: ReturnType<typeof combine>): ReadonlyArray<string> =>
  (outcome.status === "pass" ? outcome.gates : outcome.gates.filter((g) => g.status === "block")).flatMap((g) => g.reasons)

/**
 * Every local gate of a policy (change window, error budget, approval) for a
 * deploy at `epochMs` with a risk score. OPA is asked separately (it is I/O).
 */
export const evaluateLocal = (policy: GatePolicy, context: { readonly epochMs: number; readonly riskScore: number; readonly approved: boolean }): ReadonlyArray<GateResult> => [
  ...(policy.changeWindow !== undefined ? [checkChangeWindow(policy.changeWindow, context.epochMs)] : []),
  ...(policy.errorBudget !== undefined ? [checkErrorBudget(policy.errorBudget)] : []),
  ...(policy.approval !== undefined ? [checkApproval(policy.approval, context.riskScore, context.approved)] : [])
]
