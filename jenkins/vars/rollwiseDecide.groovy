// rollwiseDecide: score the change's risk and pick the strategy and pace (`rollwise decide`).
//
//   def d = rollwiseDecide(changes: 'changes.json', targets: ['k8s', 'windows', 'arm'])
//
// Options: changes (required: changes.json from `rollwise changes`), targets (default ['k8s']; or target: 'k8s'),
// policy (risk policy yaml), model (a trained model.json), out (default 'strategy.json'; with several targets
// 'strategy-<target>.json' each).
// Sets env DEPLOY_STRATEGY, RISK_SCORE, PACE (from the first target's decision), ROLLWISE_APPROVAL_REQUIRED
// ('true'/'false': any target's decision asks for approval) and ROLLWISE_DECISION_<TARGET> (the file per target,
// ROLLWISE_DECISION for the first). Returns [target: decision] as rollwise decide --json printed it.
// Exit codes: anything but 0 stops the build (FAILURE) — a bad changes.json is exit 3.

def call(Map options = [:]) {
  String changes = rollwiseCli.opt(options, 'changes')
  if (changes == null) error('rollwiseDecide: changes is required (changes.json from rollwise changes)')
  List targets = options.targets ? (options.targets as List).collect { String.valueOf(it) } : [rollwiseCli.opt(options, 'target', 'k8s')]
  List unknown = targets.findAll { !(it in ['k8s', 'windows', 'arm']) }
  if (unknown) error("rollwiseDecide: targets must be k8s, windows or arm, not ${unknown}")
  Map decisions = [:]
  for (String target : targets) {
    String out = targets.size() == 1 ? rollwiseCli.opt(options, 'out', 'strategy.json') : "strategy-${target}.json"
    List args = ['decide', '--changes', changes, '--target', target] +
      rollwiseCli.flags(options, [policy: '--policy', model: '--model']) + ['--out', out]
    Map r = rollwiseCli.run(args)
    if (r.status != 0) rollwiseCli.fail('decide', r)
    decisions[target] = r.json
    env."ROLLWISE_DECISION_${target.toUpperCase()}" = out
    echo "rollwise decide (${target}): risk ${r.json.risk_score} → ${r.json.strategy}, ${r.json.pace} pace${r.json.approval_required ? ', approval required' : ''}"
  }
  def first = decisions[targets[0]]
  env.DEPLOY_STRATEGY = String.valueOf(first.strategy)
  env.RISK_SCORE = String.valueOf(first.risk_score)
  env.PACE = String.valueOf(first.pace)
  env.ROLLWISE_DECISION = env."ROLLWISE_DECISION_${targets[0].toUpperCase()}"
  env.ROLLWISE_APPROVAL_REQUIRED = String.valueOf(decisions.values().any { it.approval_required == true })
  return decisions
}
