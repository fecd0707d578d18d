import type { DeployTarget, MetricSource, Rollout } from "@rollwise/rollout-engine"
import type { Duration, Effect, Scope } from "effect"
import type { SetupError } from "../errors.ts"

/**
 * A target's configuration file as a setup keeps it: the document as read
 * (YAML or JSON, undecoded, so a record stays readable by later versions)
 * and the absolute folder it was read from, against which relative paths in
 * it (key files, artifacts) resolve on every resume.
 */
export interface FileDocument {
  readonly document: unknown
  readonly dir: string
}

/** What building a target needs besides its own file. */
export interface TargetContext {
  readonly rollout: { readonly id: string; readonly service: string; readonly version?: string | undefined }
  /** The plan being driven: its strategy and steps (weights or cohorts). */
  readonly plan: Rollout.Plan
  /** Where credentials come from (never from the setup). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** The longest one target operation may take. */
  readonly timeout: Duration.Duration
  /** Each line of what the target runs or answers, secrets masked (the scripts sent to hosts, OTA calls). */
  readonly onOutput: (line: string) => void
}

/** One target family's wiring: check its file up front, then build the target for a run. */
export interface TargetModule {
  /** Decode the file (one clear error naming the field); `source` names it in errors. */
  readonly check: (file: FileDocument, source: string) => Effect.Effect<void, SetupError>
  readonly make: (file: FileDocument, context: TargetContext) => Effect.Effect<DeployTarget.DeployTarget["Service"], DeployTarget.DeployTargetError | SetupError, Scope.Scope>
  /** The target's own health signals as a MetricSource (`--target-health`), when it has any. */
  readonly metricSource?: (file: FileDocument, context: TargetContext) => Effect.Effect<MetricSource.MetricSource["Service"], DeployTarget.DeployTargetError | SetupError, Scope.Scope>
}
