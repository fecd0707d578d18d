/**
 * What a notification is about: one moment of a rollout people must hear of
 * (it rolled back, it was aborted, it waits for a person, it was promoted)
 * with the evidence behind it. Every channel renders the same event; the
 * engine's state machine says when one happens ({@link fromEngine}).
 */
import type { EvidenceStore, Rollout } from "@rollwise/rollout-engine"
import { Schema } from "effect"

/** The moments Rollwise notifies about, as written in `on:` filters. */
export const Kind = Schema.Literals(["rollback", "abort", "approval-needed", "promotion"])
/** @see {@link Kind} */
export type Kind = typeof Kind.Type

/** Every kind, in the order the README lists them. */
export const kinds: ReadonlyArray<Kind> = Kind.literals

const Url = Schema.String.check(Schema.isPattern(/^https?:\/\/\S+$/, { expected: "an http(s) URL" }))

/** The analysis verdict behind the event (the slo-policy Verdict's action, score and reasons). */
export const Verdict = Schema.Struct({
  action: Schema.Literals(["promote", "slow", "rollback"]),
  score: Schema.optionalKey(Schema.Finite),
  reasons: Schema.Array(Schema.String)
})
/** @see {@link Verdict} */
export type Verdict = typeof Verdict.Type

/** A rendered plot people can open (the `--plots` SVGs as published with the evidence). */
export const Plot = Schema.Struct({ name: Schema.String, url: Url })
/** @see {@link Plot} */
export type Plot = typeof Plot.Type

/**
 * One notifiable moment of a rollout. `rolloutId`, `service`, `target` are
 * the evidence store's (`NewRollout`); `release` is its `version` (or build
 * number); `at` is epoch milliseconds from the engine's Clock. `reasons`
 * says why in words even without a verdict (an operator's rollback, a gate
 * that blocked). Links are http(s) only: anything else is not a link a chat
 * client can open.
 */
export const RolloutEvent = Schema.Struct({
  kind: Kind,
  rolloutId: Schema.String.check(Schema.isMinLength(1)),
  service: Schema.String,
  release: Schema.String,
  target: Schema.String,
  verdict: Schema.optionalKey(Verdict),
  /** Why, when there is no verdict or beyond it (the state machine's reason). */
  reasons: Schema.optionalKey(Schema.Array(Schema.String)),
  /** The decision's risk score, 0–100. */
  riskScore: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 100 }))),
  plots: Schema.optionalKey(Schema.Array(Plot)),
  evidenceUrl: Schema.optionalKey(Url),
  at: Schema.Finite
})
/** @see {@link RolloutEvent} */
export type RolloutEvent = typeof RolloutEvent.Type

/** Every reason the event carries: the verdict's, then the rollout's own (without repeats). */
export const reasonsOf = (event: RolloutEvent): ReadonlyArray<string> => [...new Set([...(event.verdict?.reasons ?? []), ...(event.reasons ?? [])])]

/**
 * The kind of notification a recorded engine event starts, given the state
 * after it, or undefined: the rollout starts rolling back (a rollback
 * verdict, a failed step, an operator, an approval that timed out), it ends
 * aborted, it waits for a person's approval, it is promoted. Retries of a
 * failed rollback start nothing new. Pure, for the engine's `onEvent`.
 */
export const kindOf = (event: Rollout.Event, state: Rollout.State): Kind | undefined => {
  if (state.phase === "aborted") return "abort"
  if (state.phase === "promoted" && event._tag === "Promoted") return "promotion"
  if (state.phase === "awaiting_approval" && event._tag !== "Approved") return "approval-needed"
  if (state.phase === "rolling_back" && !(event._tag === "TargetFailed" && event.operation === "rollback")) return "rollback"
  return undefined
}

/** What the engine knows besides the event, for {@link fromEngine}. */
export interface EngineContext {
  readonly rollout: EvidenceStore.NewRollout
  /** Epoch ms the event was recorded at. */
  readonly at: number
  /** The last window's verdict, when the event follows an analysis. */
  readonly verdict?: Verdict
  readonly riskScore?: number
  readonly plots?: ReadonlyArray<Plot>
  readonly evidenceUrl?: string
}

/**
 * The notification for an engine event (`Engine.Options.onEvent`), or
 * undefined when the event starts none. The state's `reason` becomes the
 * reasons; an `Analyzed` event's own reasons make the verdict when the
 * caller has none.
 */
export const fromEngine = (event: Rollout.Event, state: Rollout.State, context: EngineContext): RolloutEvent | undefined => {
  const kind = kindOf(event, state)
  if (kind === undefined) return undefined
  const verdict: Verdict | undefined = context.verdict ?? (event._tag === "Analyzed" ? { action: event.action, reasons: event.reasons } : undefined)
  const reasons = kind === "approval-needed" ? [`waiting for a person's approval before step ${state.stepIndex + 1} (timeout ${state.plan.approvalTimeoutSeconds} s)`] : state.reason !== undefined ? [state.reason] : []
  const { rollout } = context
  return {
    kind,
    rolloutId: rollout.rolloutId,
    service: rollout.service,
    release: rollout.version ?? rollout.buildNumber ?? "unknown",
    target: rollout.target,
    ...(verdict !== undefined ? { verdict } : {}),
    ...(reasons.length > 0 ? { reasons } : {}),
    ...(context.riskScore !== undefined ? { riskScore: context.riskScore } : {}),
    ...(context.plots !== undefined && context.plots.length > 0 ? { plots: context.plots } : {}),
    ...(context.evidenceUrl !== undefined ? { evidenceUrl: context.evidenceUrl } : {}),
    at: context.at
  }
}
