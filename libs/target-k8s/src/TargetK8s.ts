import { DeployTarget } from "@rollwise/rollout-engine"
import { Effect, Layer } from "effect"
import * as ArgoRollout from "./ArgoRollout.ts"
import * as BlueGreen from "./BlueGreen.ts"
import * as Canary from "./Canary.ts"
import * as Kube from "./Kube.ts"
import * as Rolling from "./Rolling.ts"

/** Which Kubernetes rollout to drive, and how. */
export type Mode =
  | ({ readonly mode: "argo" } & ArgoRollout.Options)
  | ({ readonly mode: "bluegreen" } & BlueGreen.Options)
  | ({ readonly mode: "canary" } & Canary.Options)
  | ({ readonly mode: "rolling" } & Rolling.Options)

/** Connect and make the target for a mode. */
export const make = (connection: Kube.ConnectOptions, mode: Mode): Effect.Effect<DeployTarget.DeployTarget["Service"], DeployTarget.DeployTargetError> =>
  Effect.map(Kube.connect(connection), (kube) => {
    switch (mode.mode) {
      case "argo":
        return ArgoRollout.make(kube, mode)
      case "bluegreen":
        return BlueGreen.make(kube, mode)
      case "canary":
        return Canary.make(kube, mode)
      case "rolling":
        return Rolling.make(kube, mode)
    }
  })

/** The target as a layer. */
export const layer = (connection: Kube.ConnectOptions, mode: Mode): Layer.Layer<DeployTarget.DeployTarget, DeployTarget.DeployTargetError> =>
  Layer.effect(DeployTarget.DeployTarget, make(connection, mode))
