/**
 * Builds the git half of a ChangeSet from a revision range: line and file
 * counts, dependency bumps from manifests, coverage delta from reports.
 *
 * @since 0.1.0
 */
export * as GitChanges from "./GitChanges.ts"
export * as Manifests from "./Manifests.ts"
export * as Coverage from "./Coverage.ts"
export * as Numstat from "./Numstat.ts"
export { ChangesError } from "./ChangesError.ts"
