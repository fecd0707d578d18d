import { ChangeSet, Decision } from "@rollwise/risk-core"
import { Schema } from "effect"
/**
 * `POST /v1/risk`: a ChangeSet (as `changes.json`), where it deploys, and an
 * optional risk policy → the Decision (`strategy.json`), exactly what
 * `rollwise decide` prints with `--json`.
 */
export const Request = Schema.Struct({
  /** The change, as `rollwise changes` writes it. */
  changes: ChangeSet.ChangeSet,
  /** Where it deploys; `arm` steps through device cohorts. Default `k8s`. */
  target: Schema.optionalKey(Decision.TargetKind),
  /**
   * A risk policy (as policy YAML, in JSON) naming only what it changes; it
   * is merged over the default policy. Default: the default policy.
   */
  policy: Schema.optionalKey(
    Schema.Unknown.annotate({ description: "RiskPolicy overrides merged over the default policy (see @rollwise/risk-core RiskPolicy)" })
  )
}).annotate({ identifier: "RiskRequest" })

/** @see {@link Request} */
export type Request = typeof Request.Type

/** The answer: the Decision (`strategy.json`). */
export const Response = Decision.Decision.annotate({ identifier: "Decision" })
