/**
 * A DeployTarget that drives the same share on an Unleash server instead
 * of Rollwise's flag store: the rollout percentage of ONE `flexibleRollout`
 * activation strategy on a feature in one environment, through Unleash's
 * Admin API (`/api/admin/projects/{project}/features/{feature}/environments/{env}/strategies`).
 * The strategy is Rollwise's by its `groupId`, which is the rollout id (the
 * salt: Unleash hashes `groupId:userId`, so a new rollout draws new users,
 * and the same rollout keeps them). apply creates it on first use (and
 * switches the environment on), then updates its `rollout`; promote sets
 * 100, rollback 0 (the environment stays on, nobody in the share). An
 * operation that would not change the rollout sends no update.
 *
 * Unleash's rollout is a whole percent: a Rollwise step of 0.5 % becomes
 * 1 % (any share above 0 is at least 1 %), 12.4 % becomes 12 %.
 * Unleash OR-s a feature's strategies: when the environment has another
 * enabled strategy, users outside Rollwise's share get the feature too, so
 * apply is Rejected (naming the strategies) until they are removed or
 * disabled — unless `allowOtherStrategies` is set.
 *
 * Authentication is an admin or personal access token in the
 * `Authorization` header, as is (no `Bearer`); it never appears in errors
 * or output.
 */
import { Redaction } from "@rollwise/redaction"
import { DeployTarget } from "@rollwise/rollout-engine"
import { Effect, Layer } from "effect"

/** Where the feature is and how to reach Unleash. */
export interface Options {
  /** The Unleash server, e.g. `https://unleash.example.com` (a path prefix is kept: `https://example.com/unleash`). */
  readonly url: string
  /** An admin API token or personal access token. */
  readonly token: string
  /** The project (default `default`). */
  readonly project?: string | undefined
  /** The feature flag's name. */
  readonly feature: string
  /** The environment, e.g. `production`. */
  readonly environment: string
  /** The rollout id: the strategy's `groupId` (Unleash's bucketing salt). */
  readonly salt: string
  /** Unleash's stickiness field (default `default`: userId, then sessionId, then random). */
  readonly stickiness?: string | undefined
  /** Let other enabled strategies stay on the feature (they widen the share beyond the rollout's). */
  readonly allowOtherStrategies?: boolean | undefined
  /** Longest one HTTP request may take (ms, default 10000). */
  readonly timeoutMs?: number | undefined
  /** One line per request (token masked). */
  readonly onOutput?: ((line: string) => void) | undefined
  /** What describe answers (default kind `simulated`, name `unleash:<project>/<feature>@<env>` — see the README). */
  readonly description?: DeployTarget.Description | undefined
}

/** A strategy as Unleash lists it (the fields this adapter reads). */
interface Strategy {
  readonly id: string
  readonly name: string
  readonly title?: string | null
  readonly disabled?: boolean | null
  readonly parameters?: Readonly<Record<string, string | number>> | null
}

/** Unleash's rollout for a Rollwise percent: whole percents, at least 1 when above 0. */
export const unleashRollout = (percent: number): number => (percent <= 0 ? 0 : percent >= 100 ? 100 : Math.max(1, Math.round(percent)))

const describeStatus = (status: number): DeployTarget.DeployTargetError["reason"] =>
  status === 401 || status === 403 ? "Forbidden" : status === 404 ? "NotFound" : status === 409 ? "Conflict" : status === 429 || status >= 500 ? "Unreachable" : "Rejected"

/** The target. */
export const make = (options: Options): DeployTarget.DeployTarget["Service"] => {
  const project = options.project ?? "default"
  const base = `${options.url.replace(/\/+$/, "")}/api/admin/projects/${encodeURIComponent(project)}/features/${encodeURIComponent(options.feature)}/environments/${encodeURIComponent(options.environment)}`
  const where = `${project}/${options.feature} in ${options.environment}`
  const timeoutMs = options.timeoutMs ?? 10_000
  const onOutput = options.onOutput ?? (() => undefined)
  const redact = (text: string) => Redaction.redact(text, [options.token])
  const description: DeployTarget.Description = options.description ?? { kind: "unleash", name: `${project}/${options.feature}@${options.environment}` }
  const state: { phase: DeployTarget.Status["phase"]; current: DeployTarget.Step | undefined } = { phase: "idle", current: undefined }

  const request = (method: "GET" | "POST" | "PUT", path: string, body?: unknown) =>
    Effect.tryPromise({
      try: async (signal) => {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: { Authorization: options.token, Accept: "application/json", ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        })
        return { status: response.status, text: await response.text(), retryAfter: response.headers.get("retry-after") }
      },
      catch: (cause) =>
        new DeployTarget.DeployTargetError({
          reason: cause instanceof Error && (cause.name === "TimeoutError" || cause.name === "AbortError") ? "Timeout" : "Unreachable",
          detail: redact(`Unleash ${method} ${where}: ${cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause)}`).slice(0, 300)
        })
    }).pipe(
      Effect.flatMap(({ status, text, retryAfter }) => {
        onOutput(redact(`Unleash ${method} ${base}${path} -> ${status}`))
        if (status >= 200 && status < 300) {
          try {
            return Effect.succeed(text.trim() === "" ? undefined : (JSON.parse(text) as unknown))
          } catch {
            return Effect.fail(new DeployTarget.DeployTargetError({ reason: "Unreachable", detail: `Unleash ${method} ${where}: answered ${status} with a body that is not JSON` }))
          }
        }
        let said = text
        try {
          const json = JSON.parse(text) as { name?: unknown; message?: unknown; details?: Array<{ description?: unknown; message?: unknown }> }
          const detail = json.details?.[0]?.description ?? json.details?.[0]?.message
          said = [json.name, json.message, typeof detail === "string" && detail !== json.message ? detail : undefined].filter((x) => typeof x === "string").join(": ")
        } catch {
          // not JSON: keep the text
        }
        const hint = status === 429 && retryAfter !== null ? ` (Retry-After ${retryAfter} s)` : ""
        return Effect.fail(
          new DeployTarget.DeployTargetError({
            reason: describeStatus(status),
            detail: redact(`Unleash ${method} ${where}: ${status} ${said.replace(/\s+/g, " ").trim()}`).slice(0, 300) + hint
          })
        )
      })
    )

  const strategies = Effect.map(request("GET", "/strategies"), (body) => (Array.isArray(body) ? (body as ReadonlyArray<Strategy>) : []))

  const ours = (list: ReadonlyArray<Strategy>) => list.find((s) => s.name === "flexibleRollout" && String(s.parameters?.groupId ?? "") === options.salt)

  const parameters = (rollout: number) => ({ rollout: String(rollout), stickiness: options.stickiness ?? "default", groupId: options.salt })

  /** Set our strategy's rollout (creating it, and switching the environment on, the first time). */
  const setRollout = (percent: number, what: string) =>
    Effect.gen(function* () {
      const rollout = unleashRollout(percent)
      const list = yield* strategies
      const mine = ours(list)
      const others = list.filter((s) => s !== mine && s.disabled !== true)
      if (others.length > 0 && options.allowOtherStrategies !== true && rollout < 100) {
        return yield* new DeployTarget.DeployTargetError({
          reason: "Rejected",
          detail: `Unleash ${where} has ${others.length} other enabled strateg${others.length === 1 ? "y" : "ies"} (${others.map((s) => s.title ?? s.name).join(", ")}) that would enable it for users outside the rollout: remove or disable them, or set allowOtherStrategies`
        })
      }
      if (mine === undefined) {
        const created = yield* request("POST", "/strategies", { name: "flexibleRollout", title: `rollwise ${options.salt}`, disabled: false, constraints: [], parameters: parameters(rollout) })
        yield* request("POST", "/on")
        onOutput(`${what}: created strategy ${(created as Strategy | undefined)?.id ?? "?"} on ${where} at ${rollout} %`)
        return
      }
      if (Number(mine.parameters?.rollout) === rollout && mine.disabled !== true) return
      yield* request("PUT", `/strategies/${encodeURIComponent(mine.id)}`, { name: "flexibleRollout", title: mine.title ?? `rollwise ${options.salt}`, disabled: false, constraints: [], parameters: parameters(rollout) })
      onOutput(`${what}: ${where} at ${rollout} %`)
    })

  const reject = (detail: string) => new DeployTarget.DeployTargetError({ reason: "Rejected", detail })

  return DeployTarget.DeployTarget.of({
    describe: Effect.succeed(description),
    apply: (step) =>
      Effect.gen(function* () {
        const percent = DeployTarget.percentOf(step)
        if (state.phase === "promoted" || state.phase === "rolled_back") return yield* reject(`cannot apply a step: the rollout is ${state.phase.replace("_", " ")}`)
        if (!(percent >= 0 && percent <= 100)) return yield* reject(`${percent} % is not a percent (0–100)`)
        yield* setRollout(percent, "apply")
        state.phase = "progressing"
        state.current = step
      }),
    promote: Effect.gen(function* () {
      if (state.phase === "rolled_back") return yield* reject("cannot promote: the rollout was rolled back")
      yield* setRollout(100, "promote")
      state.phase = "promoted"
      state.current = { weight: 100 }
    }),
    rollback: Effect.gen(function* () {
      if (state.phase === "promoted") return yield* reject("cannot roll back: the candidate was already promoted")
      // a rollback never needs the other strategies gone: it only shrinks the share
      const list = yield* strategies
      const mine = ours(list)
      if (mine !== undefined && Number(mine.parameters?.rollout) !== 0) {
        yield* request("PUT", `/strategies/${encodeURIComponent(mine.id)}`, { name: "flexibleRollout", title: mine.title ?? `rollwise ${options.salt}`, disabled: false, constraints: [], parameters: parameters(0) })
        onOutput(`rollback: ${where} at 0 %`)
      }
      state.phase = "rolled_back"
      state.current = { weight: 0 }
    }),
    status: Effect.gen(function* () {
      const mine = ours(yield* strategies)
      const rollout = mine === undefined ? undefined : Number(mine.parameters?.rollout)
      const expected = state.phase === "promoted" ? 100 : state.phase === "rolled_back" ? 0 : state.current === undefined ? undefined : unleashRollout(DeployTarget.percentOf(state.current))
      const healthy = expected === undefined || (rollout ?? 0) === expected
      return {
        phase: state.phase,
        ...(state.current !== undefined ? { current: state.current } : {}),
        healthy,
        detail:
          mine === undefined
            ? `Unleash ${where}: no Rollwise strategy (groupId ${options.salt}) yet`
            : healthy
              ? `Unleash ${where}: rollout ${rollout} % (strategy ${mine.id})`
              : `Unleash ${where}: rollout ${rollout} %, not the ${expected} % this rollout set: changed by someone else`
      } satisfies DeployTarget.Status
    })
  })
}

/** The target as a layer. */
export const layer = (options: Options): Layer.Layer<DeployTarget.DeployTarget> => Layer.succeed(DeployTarget.DeployTarget, make(options))
