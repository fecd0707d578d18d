// rollwiseBundle: the integration bundle — one release manifest for the per-platform builds (`rollwise bundle create`),
// then each artifact checked back against it (`rollwise bundle verify`).
//
//   rollwiseBundle(name: 'checkout', version: env.VERSION, out: 'dist/release.json',
//                  artifacts: ['linux-amd64': 'dist/checkout-linux-amd64.tar.gz', 'linux-arm64': 'dist/checkout-linux-arm64.tar.gz',
//                              'windows-x64': 'dist/checkout-windows-x64.msi'])
//   rollwiseBundle(verify: 'dist/release.json')          // only check an existing manifest
//
// Options: name, version, artifacts (a Map platform → path; platform keys like linux-amd64, linux-arm64, windows-x64),
// out (default 'release.json'), sbom, signature (a file or an https URL), commit / build / buildUrl (default: rollwise
// reads GIT_COMMIT, BUILD_NUMBER, BUILD_URL, which Jenkins sets), verify (a manifest to verify instead of creating).
// Sets env ROLLWISE_BUNDLE = the manifest. Results: exit 0 → done; 3 (a bad platform key, a platform twice, a missing
// file, a changed byte) → FAILURE with the reason in the log; anything else → FAILURE. Returns the manifest (create)
// or the verify report.

def call(Map options = [:]) {
  if (options.verify) {
    String manifest = String.valueOf(options.verify)
    Map v = rollwiseCli.run(['bundle', 'verify', manifest])
    if (v.status != 0) {
      List bad = v.json ? v.json.checked.findAll { it.status != 'ok' }.collect { it.detail } : []
      rollwiseCli.fail('bundle verify', v, bad ? bad.join('; ') : null)
    }
    env.ROLLWISE_BUNDLE = manifest
    echo "rollwise bundle verify ${manifest}: ${v.json.checked.size()} files match"
    return v.json
  }
  String name = rollwiseCli.opt(options, 'name')
  String version = rollwiseCli.opt(options, 'version')
  if (name == null || version == null || !(options.artifacts instanceof Map) || options.artifacts.isEmpty()) {
    error('rollwiseBundle: name, version and artifacts (a Map platform → path) are required')
  }
  String out = rollwiseCli.opt(options, 'out', 'release.json')
  List args = ['bundle', 'create', '--name', name, '--version', version]
  options.artifacts.each { platform, path -> args += ['--artifact', "${platform}=${path}"] }
  args += rollwiseCli.flags(options, [sbom: '--sbom', signature: '--signature', commit: '--commit', build: '--build', buildUrl: '--build-url'])
  args += ['--out', out, '--progress']
  Map r = rollwiseCli.run(args)
  if (r.status != 0) rollwiseCli.fail('bundle create', r)
  Map v = rollwiseCli.run(['bundle', 'verify', out])
  if (v.status != 0) rollwiseCli.fail('bundle verify', v)
  env.ROLLWISE_BUNDLE = out
  echo "rollwise bundle: ${name} ${version}, ${r.json.artifacts.size()} artifacts in ${out}"
  return r.json
}
