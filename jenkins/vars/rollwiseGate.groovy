// rollwiseGate: may the deploy start now? Change window, error budget, approval threshold, OPA (`rollwise gate`).
//
//   rollwiseGate(policy: 'policy.yaml')
//
// Options: policy (required), decision (default env.ROLLWISE_DECISION or 'strategy.json'), at (ISO 8601 time,
// default now), approvalTimeoutMinutes (default 60), submitter (who may approve, Jenkins user or group ids).
// Results:
//   exit 0 pass                   → continues; env ROLLWISE_GATE = 'pass'
//   exit 5, only the approval gate → asks for approval (`input` inside `timeout`), then runs the gate again with
//                                    --approved; env ROLLWISE_APPROVER = who approved. Not approved in time or
//                                    rejected → NOT_BUILT. (With approveAtFlip: true it passes instead and leaves
//                                    the approval to rollwiseDeploy, before the step that reaches 100 %.)
//   exit 5, any other gate        → NOT_BUILT with every blocking reason (nothing was deployed)
//   anything else                 → FAILURE
// Returns the gate's JSON (status, gates, at).

def call(Map options = [:]) {
  String policy = rollwiseCli.opt(options, 'policy')
  if (policy == null) error('rollwiseGate: policy is required (policy.yaml, kind: GatePolicy)')
  String decision = rollwiseCli.opt(options, 'decision', env.ROLLWISE_DECISION ?: 'strategy.json')
  List args = ['gate', '--policy', policy, '--decision', decision] + rollwiseCli.flags(options, [at: '--at'])
  Map r = rollwiseCli.run(args)
  if (r.status == 0) {
    env.ROLLWISE_GATE = 'pass'
    echo "rollwise gate: pass (${r.json.gates.collect { it.gate }.join(', ')})"
    return r.json
  }
  if (r.status != 5 || r.json == null) rollwiseCli.fail('gate', r)
  List blocking = r.json.gates.findAll { it.status == 'block' }
  List reasons = blocking.collect { it.reasons }.flatten()
  boolean onlyApproval = blocking && blocking.every { it.gate == 'approval' }
  if (!onlyApproval) {
    env.ROLLWISE_GATE = 'block'
    rollwiseCli.fail('gate', r, "blocked: ${reasons.join('; ')}")
  }
  if (options.approveAtFlip == true) {
    env.ROLLWISE_GATE = 'pass'
    env.ROLLWISE_APPROVAL_REQUIRED = 'true'
    echo "rollwise gate: approval required (${reasons.join('; ')}); rollwiseDeploy asks before the full step"
    return r.json
  }
  String approver = rollwiseApproval(
    message: "Deploy ${env.JOB_NAME ?: ''} (risk ${env.RISK_SCORE ?: '?'}, ${env.DEPLOY_STRATEGY ?: '?'})? ${reasons.join('; ')}",
    timeoutMinutes: options.approvalTimeoutMinutes ?: 60,
    submitter: options.submitter
  )
  if (approver == null) {
    env.ROLLWISE_GATE = 'block'
    rollwiseCli.fail('gate', [status: 5], "blocked: nobody approved (${reasons.join('; ')})")
  }
  Map again = rollwiseCli.run(args + ['--approved'])
  if (again.status != 0) {
    env.ROLLWISE_GATE = 'block'
    List still = again.json ? again.json.gates.findAll { it.status == 'block' }.collect { it.reasons }.flatten() : []
    rollwiseCli.fail('gate', again, still ? "blocked after approval: ${still.join('; ')}" : null)
  }
  env.ROLLWISE_GATE = 'pass'
  env.ROLLWISE_APPROVER = approver
  echo "rollwise gate: pass, approved by ${approver}"
  return again.json
}
