// rollwiseEvidence: publish each rollout's evidence to JFrog Artifactory as build-info (`rollwise evidence publish`).
//
//   rollwiseEvidence(url: 'https://acme.jfrog.io/artifactory', credentialsId: 'artifactory-token',
//                    artifacts: ['libs-release-local/checkout/2.5.0/checkout-2.5.0.tgz'])
//
// Options: buildName (default env.JOB_NAME), buildNumber (default env.BUILD_NUMBER), rollouts (default
// env.ROLLWISE_ROLLOUTS; each published), artifacts (repo/path list, tagged rollwise.* and latest=true on a
// promotion), url (default env.ROLLWISE_ARTIFACTORY_URL), credentialsId (a Secret text credential, handed to
// rollwise as ROLLWISE_ARTIFACTORY_TOKEN — never on the command line), repo, grafanaUrl, slo (for the plots when the rollout recorded none), db.
// Results: exit 0 → published; 4 (Artifactory unreachable or refusing) and 6 (this rollwise cannot publish yet) →
// UNSTABLE: the deploy stands and the evidence stays in the local store to publish again; anything else → FAILURE.
// Returns [rolloutId: exit code].

def call(Map options = [:]) {
  String buildName = rollwiseCli.opt(options, 'buildName', env.JOB_NAME)
  String buildNumber = rollwiseCli.opt(options, 'buildNumber', env.BUILD_NUMBER)
  if (buildName == null || buildNumber == null) error('rollwiseEvidence: buildName and buildNumber are required (default: JOB_NAME, BUILD_NUMBER)')
  List ids = options.rollouts ? (options.rollouts as List).collect { String.valueOf(it) } : (env.ROLLWISE_ROLLOUTS ?: '').split(',').findAll { it } as List
  List common = ['evidence', 'publish', '--build-name', buildName, '--build-number', buildNumber]
  common += rollwiseCli.flags(options, [repo: '--repo', grafanaUrl: '--grafana-url', slo: '--slo', db: '--db'])
  String url = rollwiseCli.opt(options, 'url', env.ROLLWISE_ARTIFACTORY_URL)
  if (url != null) common += ['--url', url]
  for (def a : (options.artifacts ?: [])) common += ['--artifact', String.valueOf(a)]
  Map statuses = [:]
  Closure publishAll = {
    for (def id : (ids ?: [null])) {
      Map r = rollwiseCli.run(id == null ? common : common + ['--rollout', id])
      String name = id ?: "build ${buildNumber}"
      statuses[name] = r.status
      if (r.status == 0) {
        echo "rollwise evidence publish ${name}: published as ${buildName} #${buildNumber}"
      } else if (r.status == 4 || r.status == 6) {
        if (currentBuild.result == null || currentBuild.result == 'SUCCESS') currentBuild.result = 'UNSTABLE'
        echo "rollwise evidence publish ${name}: not published, ${rollwiseCli.meaning(r.status as int)} (exit ${r.status}); the evidence stays in the local store"
      } else {
        rollwiseCli.fail('evidence publish', r)
      }
    }
  }
  if (options.credentialsId) {
    withCredentials([string(credentialsId: String.valueOf(options.credentialsId), variable: 'ROLLWISE_ARTIFACTORY_TOKEN')]) { publishAll() }
  } else {
    publishAll()
  }
  return statuses
}
