// rollwiseRollback: roll back this build's rollouts now (`rollwise rollback`), e.g. in a post { failure { } } block.
//
//   rollwiseRollback(reason: "build ${env.BUILD_NUMBER} failed")
//
// Options: rollout (one id) or rollouts (a List; default env.ROLLWISE_ROLLOUTS, every rollout rollwiseDeploy
// started), reason (default 'Jenkins build failed'), by (default env.BUILD_USER_ID or 'jenkins'), db.
// Idempotent: a rollout already rolled back or aborted stays so. Exit 7 (already promoted: deploy the previous
// version instead) is a warning, not an error; any other failure marks the build FAILURE without stopping the
// others. Returns [id: exit code]. Does nothing (and says so) when no rollout was started.

def call(Map options = [:]) {
  List ids = options.rollout ? [String.valueOf(options.rollout)] :
    options.rollouts ? (options.rollouts as List).collect { String.valueOf(it) } :
    (env.ROLLWISE_ROLLOUTS ?: '').split(',').findAll { it } as List
  if (!ids) {
    echo 'rollwise rollback: no rollout was started in this build; nothing to roll back'
    return [:]
  }
  String reason = rollwiseCli.opt(options, 'reason', 'Jenkins build failed')
  String by = rollwiseCli.opt(options, 'by', env.BUILD_USER_ID ?: 'jenkins')
  Map statuses = [:]
  for (String id : ids) {
    Map r = rollwiseCli.run(['rollback', '--rollout', id, '--reason', reason, '--by', by] + rollwiseCli.flags(options, [db: '--db']))
    statuses[id] = r.status
    if (r.status == 0) {
      echo "rollwise rollback ${id}: done"
    } else if (r.status == 7) {
      echo "rollwise rollback ${id}: refused — already promoted; deploy the previous version to go back"
    } else {
      currentBuild.result = 'FAILURE'
      echo "rollwise rollback ${id}: failed, ${rollwiseCli.meaning(r.status as int)} (exit ${r.status})"
    }
  }
  return statuses
}
