// rollwiseAnalyze: judge the candidate against the baseline (`rollwise analyze --exit-code`) — for pipelines that
// move the traffic themselves and ask Rollwise only for the verdict.
//
//   def v = rollwiseAnalyze(slo: 'slo-live.yaml', prometheus: 'http://prometheus:9090', windows: 3)
//   if (v.action == 'slow') { … hold, look again later … }
//
// Options: slo (required), observations (recorded windows) or prometheus (live) with service, windowEnd, windows;
// release; out (also write verdict.json); onRollback: a Closure run before the build fails (e.g. your own rollback).
// Results: exit 0 promote and 10 slow → returned, env ROLLWISE_VERDICT = the action; exit 11 rollback → FAILURE with
// the verdict's reasons (onRollback runs first); anything else → FAILURE. Returns the verdict JSON.

def call(Map options = [:]) {
  String slo = rollwiseCli.opt(options, 'slo')
  if (slo == null) error('rollwiseAnalyze: slo is required (slo.yaml, kind: SloSpec)')
  if (!options.observations && !options.prometheus) error('rollwiseAnalyze: give observations (recorded windows) or prometheus (a URL)')
  List args = ['analyze', '--slo', slo, '--exit-code'] + rollwiseCli.flags(options, [
    observations: '--observations', prometheus: '--prometheus', service: '--service', windowEnd: '--window-end',
    windows: '--windows', release: '--release', out: '--out'
  ])
  Map r = rollwiseCli.run(args)
  if (!(r.status in [0, 10, 11]) || r.json == null) rollwiseCli.fail('analyze', r)
  env.ROLLWISE_VERDICT = String.valueOf(r.json.action)
  echo "rollwise analyze: ${r.json.action} (score ${r.json.score}) — ${(r.json.reasons ?: []).join('; ')}"
  if (r.status == 11) {
    if (options.onRollback instanceof Closure) options.onRollback.call(r.json)
    rollwiseCli.fail('analyze', r, "verdict rollback: ${(r.json.reasons ?: []).join('; ')}")
  }
  return r.json
}
