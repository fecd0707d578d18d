// rollwisePromote: a person approves a rollout's flip (the step that reaches 100 %); recorded with `rollwise promote --by`.
//
//   rollwisePromote(rollout: env.ROLLWISE_ROLLOUT_ID)                        // asks, then records the approver
//   rollwisePromote(rollout: 'checkout-2.6.0-b900', by: 'alice')            // records without asking
//
// Options: rollout (default env.ROLLWISE_ROLLOUT_ID), by (skip the question: who approved), timeoutMinutes
// (default 60), submitter, message, db.
// Results: exit 0 → env ROLLWISE_APPROVER = who; nobody approved in time or rejected → `rollwise rollback` of the
// rollout (reason "not approved in Jenkins") and NOT_BUILT; exit 7 (the rollout already ended, or asks no approval)
// → a warning, no change to the result (the rollout's own stage reports how it ended); anything else → FAILURE.
// Returns [approver: who, status: exit code].

def call(Map options = [:]) {
  String id = rollwiseCli.opt(options, 'rollout', env.ROLLWISE_ROLLOUT_ID)
  if (id == null) error('rollwisePromote: rollout is required (or run rollwiseDeploy first)')
  String by = rollwiseCli.opt(options, 'by')
  if (by == null) {
    by = rollwiseApproval(
      message: rollwiseCli.opt(options, 'message', "Flip rollout ${id} to 100 % (risk ${env.RISK_SCORE ?: '?'}, ${env.DEPLOY_STRATEGY ?: '?'})?"),
      timeoutMinutes: options.timeoutMinutes ?: 60,
      submitter: options.submitter
    )
  }
  List db = rollwiseCli.flags(options, [db: '--db'])
  if (by == null) {
    rollwiseRollback(rollout: id, reason: 'not approved in Jenkins in time', db: options.db)
    currentBuild.result = 'NOT_BUILT'
    error("rollwise promote: rollout ${id} was not approved; rolled back")
  }
  Map r = rollwiseCli.run(['promote', '--rollout', id, '--by', by] + db)
  if (r.status == 7) {
    echo "rollwise promote ${id}: refused — the rollout already ended or asks no approval (see the line above)"
    return [approver: by, status: 7]
  }
  if (r.status != 0) rollwiseCli.fail('promote', r)
  env.ROLLWISE_APPROVER = by
  echo "rollwise promote ${id}: approved by ${by}"
  return [approver: by, status: 0]
}
