/**
 * DeployTarget for any deploy tooling: runs your own hook executable for each step, promote and rollback
 *
 * @since 0.1.0
 */
export * as TargetExec from "./TargetExec.ts"
