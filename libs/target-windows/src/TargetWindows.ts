/**
 * DeployTarget for Windows fleets: IIS blue/green, ARR canary weights and rolling batches, PowerShell built as data and sent over OpenSSH
 */
export {}
