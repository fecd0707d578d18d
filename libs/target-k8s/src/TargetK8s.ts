/**
 * DeployTarget for Kubernetes: Argo Rollouts, plain canaries on Gateway API or NGINX weights, blue/green Service flips, rolling Deployments; Flagger Canary status
 */
export {}
