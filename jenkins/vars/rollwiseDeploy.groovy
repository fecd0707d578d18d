// rollwiseDeploy: drive a whole rollout on one target family with `rollwise rollout` — steps, analysis of every
// window against the baseline, then promote or roll back.
//
//   rollwiseDeploy(target: 'k8s', slo: 'slo.yaml', rollout: 'checkout', namespace: 'shop', prometheus: 'http://prometheus:9090')
//   rollwiseDeploy(target: 'windows', hosts: 'deploy/hosts.yaml', slo: 'slo.yaml', prometheus: '…')
//   rollwiseDeploy(target: 'arm', fleet: 'deploy/fleet.yaml', slo: 'slo.yaml', prometheus: '…')
//
// Options: target (k8s | windows | arm, required); decision (default env.ROLLWISE_DECISION_<TARGET>, then
// env.ROLLWISE_DECISION, then 'strategy.json'); slo (required); hosts (windows: hosts.yaml, required), fleet (arm:
// fleet.yaml, required); for k8s one of rollout / bluegreen / canary (+ route) / deployment, with image, container,
// namespace, context, kubeconfig; prometheus or simulate (+ speed, seed); policy, changes, service, module,
// version, build (default env.BUILD_NUMBER is read by rollwise itself), db, timeout, onApprovalTimeout (rollback | abort),
// targetHealth: true (arm: judge cohorts by the devices' own health from the OTA manager), id (default
// <service|job>-<version>-<target>-b<BUILD_NUMBER>), approvalTimeoutMinutes (default 60), submitter,
// extraArgs (a List, each quoted).
// Approval: when the decision asks for it (env.ROLLWISE_APPROVAL_REQUIRED == 'true' or approval: true) the rollout
// runs in parallel with rollwisePromote, which asks a person (`input` in `timeout`) and records them with
// `rollwise promote --by`; nobody in time → `rollwise rollback`.
// Results: exit 0 promoted → env ROLLWISE_RESULT_<TARGET> = 'promoted'; 11 rolled back → FAILURE with the reason;
// 5 aborted (a gate blocked or nobody approved) → NOT_BUILT with the reason; 7 another process drives it → FAILURE;
// anything else → FAILURE. env ROLLWISE_ROLLOUT_ID and ROLLWISE_ROLLOUTS (all of this build's) are set first,
// so a post block can roll back. Returns rollwise rollout --json's outcome (rolloutId, result, reason, steps…).

def call(Map options = [:]) {
  String target = rollwiseCli.opt(options, 'target')
  if (!(target in ['k8s', 'windows', 'arm'])) error("rollwiseDeploy: target must be k8s, windows or arm, not ${target}")
  String slo = rollwiseCli.opt(options, 'slo')
  if (slo == null) error('rollwiseDeploy: slo is required (slo.yaml, kind: SloSpec)')
  if (target == 'windows' && !options.hosts) error('rollwiseDeploy: target windows needs hosts (hosts.yaml: the IIS/ARR farm)')
  if (target == 'arm' && !options.fleet) error('rollwiseDeploy: target arm needs fleet (fleet.yaml: the devices and their OTA manager)')
  String decision = rollwiseCli.opt(options, 'decision', env."ROLLWISE_DECISION_${target.toUpperCase()}" ?: env.ROLLWISE_DECISION ?: 'strategy.json')
  String version = rollwiseCli.opt(options, 'version')
  String who = rollwiseCli.opt(options, 'service', env.JOB_BASE_NAME ?: 'rollout')
  String id = rollwiseCli.opt(options, 'id', rollwiseCli.rolloutId("${who}-${version ?: 'candidate'}-${target}-b${env.BUILD_NUMBER ?: '0'}"))

  List args = ['rollout', '--decision', decision, '--slo', slo, '--target', target, '--id', id]
  args += rollwiseCli.flags(options, [
    hosts: '--hosts', fleet: '--fleet',
    rollout: '--rollout', bluegreen: '--bluegreen', canary: '--canary', route: '--route', deployment: '--deployment',
    image: '--image', container: '--container', namespace: '--namespace', context: '--context', kubeconfig: '--kubeconfig',
    prometheus: '--prometheus', simulate: '--simulate', speed: '--speed', seed: '--seed',
    policy: '--policy', changes: '--changes', service: '--service', module: '--module', version: '--version', build: '--build', db: '--db',
    timeout: '--timeout', onApprovalTimeout: '--on-approval-timeout'
  ])
  if (options.targetHealth == true) args << '--target-health'
  int minutes = (options.approvalTimeoutMinutes ?: 60) as int
  args += ['--approval-timeout', String.valueOf(minutes * 60)]
  if (options.extraArgs) args += (options.extraArgs as List).collect { String.valueOf(it) }

  rollwiseCli.remember(id)
  boolean approval = options.approval == true || env.ROLLWISE_APPROVAL_REQUIRED == 'true'
  Map r = null
  if (approval) {
    Map branches = [failFast: true]
    branches[('rollout ' + target)] = { r = rollwiseCli.run(args) }
    branches[('approval ' + target)] = { rollwisePromote(rollout: id, db: options.db, timeoutMinutes: minutes, submitter: options.submitter) }
    parallel(branches)
  } else {
    r = rollwiseCli.run(args)
  }
  env."ROLLWISE_RESULT_${target.toUpperCase()}" = r.json?.result ? String.valueOf(r.json.result) : "exit ${r.status}"
  if (r.status == 0) {
    echo "rollwise rollout ${id}: ${r.json?.result} — ${r.json?.reason}"
    return r.json
  }
  String reason = r.json?.reason ? "rollout ${id} ${String.valueOf(r.json.result).replace('_', ' ')}: ${r.json.reason}" : null
  rollwiseCli.fail("rollout (${target})", r, reason)
}
