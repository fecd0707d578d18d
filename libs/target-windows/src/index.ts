/**
 * DeployTarget for Windows fleets: IIS blue/green, ARR canary weights and rolling batches, PowerShell built as data and sent over OpenSSH
 *
 * @since 0.1.0
 */
export * as TargetWindows from "./TargetWindows.ts"
export * as HostsFile from "./HostsFile.ts"
export * as HostMetrics from "./HostMetrics.ts"
export * as OpenSsh from "./OpenSsh.ts"
export * as PowerShell from "./PowerShell.ts"
export * as Scripts from "./Scripts.ts"
export * as Transport from "./Transport.ts"
