/**
 * A DeployTarget whose traffic weight is a feature flag's rollout
 * percentage: the same build serves everyone and the flag decides which
 * users get the new code path. `apply({weight: p})` (or `{cohort: p}`)
 * stores the flag with percentage p, `promote` with 100, `rollback` with
 * 0, each as a new version of the flag document (the store's optimistic
 * concurrency keeps a concurrent writer from being overwritten; the
 * target re-reads and retries a few times) with `updatedAt` from the
 * Clock. Applications see the change on their next poll. Writing what is
 * already stored changes nothing (no new version), so repeating an
 * operation after a crash is safe.
 */
import { DeployTarget } from "@rollwise/rollout-engine"
import { Clock, Effect, Layer } from "effect"
import type { FlagDocument } from "./FlagDocument.ts"
import { FlagStore, type FlagStoreError } from "./FlagStore.ts"

/** What the target drives. */
export interface Options {
  /** The flag's key, as applications ask for it (`new-cart`). */
  readonly key: string
  /** The variant users in the share get (default `on`). */
  readonly on?: string | undefined
  /** The variant everyone else gets (default `off`). */
  readonly off?: string | undefined
  /** Bucketing salt: the rollout id (keep it across resumes: the same salt keeps the same users in the share). */
  readonly salt: string
  /** The rollout driving the flag, recorded in the document. */
  readonly rollout?: string | undefined
  /** What describe answers (default: kind `simulated`, name `flag:<key>` — see the README). */
  readonly description?: DeployTarget.Description | undefined
  /** One line per change written. */
  readonly onOutput?: ((line: string) => void) | undefined
}

const reject = (detail: string) => new DeployTarget.DeployTargetError({ reason: "Rejected", detail })

/** A store failure as the engine sees it: Conflict stays Conflict (transient), Io is Unreachable, Invalid is Rejected. */
const toTargetError = (e: FlagStoreError) =>
  new DeployTarget.DeployTargetError({ reason: e.reason === "Conflict" ? "Conflict" : e.reason === "Io" ? "Unreachable" : "Rejected", detail: e.detail, cause: e })

/** The target over the FlagStore in context. */
export const make = (options: Options): Effect.Effect<DeployTarget.DeployTarget["Service"], never, FlagStore> =>
  Effect.gen(function* () {
    const store = yield* FlagStore
    const on = options.on ?? "on"
    const off = options.off ?? "off"
    const onOutput = options.onOutput ?? (() => undefined)
    const description: DeployTarget.Description = options.description ?? { kind: "flag", name: `${options.key}` }
    const state: { phase: DeployTarget.Status["phase"]; current: DeployTarget.Step | undefined; recovered: boolean } = { phase: "idle", current: undefined, recovered: false }

    const ours = (doc: FlagDocument | undefined): doc is FlagDocument => doc !== undefined && doc.salt === options.salt && doc.on === on && doc.off === off

    /** After a restart: a document of this rollout (same salt) with a share means the rollout was progressing. */
    const recover = Effect.gen(function* () {
      if (state.recovered) return
      const doc = yield* Effect.mapError(store.get(options.key), toTargetError)
      if (ours(doc) && doc.percentage > 0) {
        state.phase = "progressing"
        state.current = { weight: doc.percentage }
      }
      state.recovered = true
    })

    /** Store the flag at `percentage` unless it is there already; retry a concurrent writer's Conflict a few times. */
    const write = (percentage: number, what: string) => {
      const attempt = Effect.gen(function* () {
        const current = yield* store.get(options.key)
        if (ours(current) && current.percentage === percentage && current.rollout === options.rollout) return current
        const now = yield* Clock.currentTimeMillis
        const doc: FlagDocument = {
          apiVersion: "rollwise/v1",
          kind: "Flag",
          key: options.key,
          version: current === undefined ? 0 : current.version + 1,
          percentage,
          on,
          off,
          salt: options.salt,
          ...(options.rollout !== undefined ? { rollout: options.rollout } : {}),
          updatedAt: now
        }
        const stored = yield* store.put(doc, current === undefined ? -1 : current.version)
        onOutput(`${what}: flag ${options.key} at ${percentage} % ${on} (version ${stored.version})`)
        return stored
      })
      return Effect.mapError(
        Effect.retry(attempt, { times: 3, while: (e) => e.reason === "Conflict" }),
        toTargetError
      )
    }

    const apply = (step: DeployTarget.Step) =>
      Effect.gen(function* () {
        yield* recover
        const percent = DeployTarget.percentOf(step)
        if (state.phase === "promoted" || state.phase === "rolled_back") return yield* reject(`cannot apply a step: the rollout is ${state.phase.replace("_", " ")}`)
        if (!(percent >= 0 && percent <= 100)) return yield* reject(`${percent} % is not a percent (0–100)`)
        yield* write(percent, "apply")
        state.phase = "progressing"
        state.current = step
      })

    const promote = Effect.gen(function* () {
      yield* recover
      if (state.phase === "rolled_back") return yield* reject("cannot promote: the rollout was rolled back")
      yield* write(100, "promote")
      state.phase = "promoted"
      state.current = { weight: 100 }
    })

    const rollback = Effect.gen(function* () {
      yield* recover
      if (state.phase === "promoted") return yield* reject("cannot roll back: the candidate was already promoted")
      yield* write(0, "rollback")
      state.phase = "rolled_back"
      state.current = { weight: 0 }
    })

    const status = Effect.gen(function* () {
      yield* recover
      const doc = yield* Effect.mapError(store.get(options.key), toTargetError)
      const expected = state.phase === "promoted" ? 100 : state.phase === "rolled_back" ? 0 : state.current === undefined ? undefined : DeployTarget.percentOf(state.current)
      if (doc === undefined) {
        return { phase: state.phase, ...(state.current !== undefined ? { current: state.current } : {}), healthy: state.phase === "idle", detail: `flag ${options.key}: not in the store` } satisfies DeployTarget.Status
      }
      const drift = expected !== undefined && (!ours(doc) || doc.percentage !== expected)
      return {
        phase: state.phase,
        ...(state.current !== undefined ? { current: state.current } : {}),
        healthy: !drift,
        detail: drift
          ? `flag ${options.key}: the store has ${doc.percentage} % ${doc.on} (salt ${doc.salt}, version ${doc.version}), not the ${expected} % this rollout set: changed by someone else`
          : `flag ${options.key}: ${doc.percentage} % of users on ${doc.on} (version ${doc.version})`
      } satisfies DeployTarget.Status
    })

    return DeployTarget.DeployTarget.of({ describe: Effect.succeed(description), apply, promote, rollback, status })
  })

/** The target as a layer over a FlagStore layer (`FlagStore.layerFile(dir)` for `rollwise rollout --target flag:NAME`). */
export const layer = (options: Options): Layer.Layer<DeployTarget.DeployTarget, never, FlagStore> => Layer.effect(DeployTarget.DeployTarget, make(options))
