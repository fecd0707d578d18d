/**
 * DeployTarget for Kubernetes: Argo Rollouts, plain canaries on Gateway API or NGINX weights, blue/green Service flips, rolling Deployments; Flagger Canary status
 *
 * @since 0.1.0
 */
export * as TargetK8s from "./TargetK8s.ts"
