/**
 * The DeployTarget for Kubernetes: Argo Rollouts (operated with the plugin's
 * own patches), plain blue/green (two Deployments, a Service flip), and a
 * Flagger Canary's status; through `@kubernetes/client-node`.
 *
 * @since 0.1.0
 */
export * as TargetK8s from "./TargetK8s.ts"
export * as Kube from "./Kube.ts"
export * as ArgoRollout from "./ArgoRollout.ts"
export * as BlueGreen from "./BlueGreen.ts"
export * as Canary from "./Canary.ts"
export * as Rolling from "./Rolling.ts"
export * as Flagger from "./Flagger.ts"
