/**
 * The flag document: the wire contract between Rollwise and the
 * applications that evaluate its flags, declared with the HTTP API
 * (`GET /v1/flags/{key}`) in `@rollwise/api-contract` and re-exported here
 * for the flag store, the DeployTarget and the provider.
 */
import { Flags } from "@rollwise/api-contract"

export const FlagDocument = Flags.FlagDocument
export type FlagDocument = Flags.FlagDocument
export const FlagKey = Flags.FlagKey
