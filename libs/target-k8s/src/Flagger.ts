import { DeployTarget } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import { call, type Kube } from "./Kube.ts"

/**
 * Flagger drives its Canary itself and asks Rollwise through webhooks (the
 * HTTP API serves them); here, a Canary's status (flagger.app/v1beta1) read
 * and mapped to the engine's terms, for `rollwise` to show and record.
 */
export interface View {
  /** Flagger's phase: Initializing, Initialized, Waiting, Progressing, WaitingPromotion, Promoting, Finalising, Succeeded, Failed, Terminating, Terminated. */
  readonly phase: string
  readonly canaryWeight: number
  readonly failedChecks: number
  readonly iterations: number
  readonly message: string
}

type Obj = Record<string, unknown>
const obj = (x: unknown): Obj => (typeof x === "object" && x !== null ? (x as Obj) : {})
const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : 0)

/** Read a Canary object (pure). */
export const view = (canary: unknown): View => {
  const status = obj(obj(canary)["status"])
  const conditions = Array.isArray(status["conditions"]) ? status["conditions"].map(obj) : []
  const promoted = conditions.find((c) => c["type"] === "Promoted")
  return {
    phase: String(status["phase"] ?? "Initializing"),
    canaryWeight: num(status["canaryWeight"]),
    failedChecks: num(status["failedChecks"]),
    iterations: num(status["iterations"]),
    message: String(promoted?.["message"] ?? "")
  }
}

/** Flagger's phase in the port's terms (pure). */
export const statusOf = (v: View): DeployTarget.Status => {
  const detail = `Flagger ${v.phase}${v.message ? `: ${v.message}` : ""} (weight ${v.canaryWeight} %, ${v.failedChecks} failed checks)`
  switch (v.phase) {
    case "Succeeded":
      return { phase: "promoted", current: { weight: 100 }, healthy: true, detail }
    case "Failed":
      return { phase: "rolled_back", current: { weight: 0 }, healthy: true, detail }
    case "Progressing":
    case "WaitingPromotion":
    case "Promoting":
    case "Finalising":
      return { phase: "progressing", current: { weight: v.phase === "Progressing" || v.phase === "WaitingPromotion" ? v.canaryWeight : 100 }, healthy: v.failedChecks === 0, detail }
    case "Terminating":
    case "Terminated":
      return { phase: "degraded", healthy: false, detail }
    default:
      return { phase: "idle", healthy: true, detail }
  }
}

/** Read a Canary's status. */
export const status = (kube: Kube, name: string, namespace = kube.namespace) =>
  Effect.map(
    call(kube, `canary ${namespace}/${name}`, () => kube.custom.getNamespacedCustomObject({ group: "flagger.app", version: "v1beta1", namespace, plural: "canaries", name }) as Promise<unknown>),
    (canary) => statusOf(view(canary))
  )
