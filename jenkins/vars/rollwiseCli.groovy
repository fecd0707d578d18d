// The shared core of the rollwise* steps: quoting, running the CLI with --json,
// and mapping its documented exit codes (apps/cli/src/ExitCode.ts) to build results.
// Steps call it as rollwiseCli.run(...); pipelines rarely need it directly.

/** The exit codes every rollwise command documents (docs/cli.md). */
@groovy.transform.Field
final Map<Integer, String> EXIT_MEANINGS = [
  0  : 'done',
  1  : 'internal error (a bug in rollwise; re-run with --debug)',
  2  : 'usage error (unknown flag or bad value)',
  3  : 'bad input (a file is missing, malformed or fails its schema)',
  4  : 'a dependency failed (unreachable, timed out, refused)',
  5  : 'blocked by a policy gate',
  6  : 'not built yet in this rollwise version',
  7  : 'refused by the rollout\'s recorded state',
  10 : 'verdict: slow',
  11 : 'rolled back',
  70 : 'the rollwise CLI bundle is missing (npm run build)',
  130: 'interrupted'
]

/** The marker the wrapper prints after the command, carrying its exit status. */
@groovy.transform.Field
final String EXIT_MARKER = '__ROLLWISE_EXIT__='

/**
 * One shell word, whatever the text: wrapped in single quotes, each ' written
 * as '"'"' — the shell expands nothing inside ($(…), backticks, ;, newlines
 * stay literal). A NUL cannot be passed to a program at all and is refused.
 */
String quote(Object value) {
  String text = String.valueOf(value)
  if (text.indexOf('\u0000') >= 0) {
    error("rollwise: an argument holds a NUL character, which no command line can carry")
  }
  return "'" + text.replace("'", "'\"'\"'") + "'"
}

/** The rollwise executable: $ROLLWISE_BIN (e.g. "node /opt/rollwise/bin/rollwise.js"), else `rollwise` on PATH. */
String executable() {
  String custom = env.ROLLWISE_BIN
  if (custom == null || custom.trim().isEmpty()) return 'rollwise'
  // split on spaces only, so "node path/rollwise.js" works; each part is still quoted
  return custom.trim().split(/ +/).collect { quote(it) }.join(' ')
}

/** The whole command line: every argument quoted, --json appended. */
String commandLine(List args) {
  return ([executable()] + args.collect { quote(it) } + [quote('--json')]).join(' ')
}

/**
 * Run `rollwise ARGS… --json` and return [status: exit code, json: the parsed
 * stdout (null when empty), stdout: the raw text, command: the line run].
 * stderr (progress, the one-line failure) goes to the build log as it comes.
 */
Map run(List args) {
  String line = commandLine(args)
  // Jenkins runs sh with -e: `||` keeps a failing exit from ending the script, and the marker carries it
  String script = "status=0\n${line} || status=\$?\necho '${EXIT_MARKER}'\"\$status\""
  String out = sh(script: script, returnStdout: true)
  int at = out.lastIndexOf(EXIT_MARKER)
  if (at < 0) error("rollwise: could not read the exit status of: ${line}")
  int status = out.substring(at + EXIT_MARKER.length()).trim() as int
  String stdout = out.substring(0, at)
  def json = null
  if (stdout.trim()) {
    try {
      json = readJSON(text: stdout)
    } catch (Exception e) {
      error("rollwise: exit ${status}, and its output is not JSON (${e.message}); command: ${line}")
    }
  }
  return [status: status, json: json, stdout: stdout, command: line]
}

/** What an exit code means, for messages. */
String meaning(int status) {
  return EXIT_MEANINGS[status] ?: "exit ${status}"
}

/**
 * Stop the build for a failed command: the result set first (NOT_BUILT for a
 * gate that blocked, ABORTED for an interrupt, FAILURE otherwise), then
 * `error` with the reason.
 */
void fail(String what, Map r, String reason = null) {
  String result = r.status == 5 ? 'NOT_BUILT' : r.status == 130 ? 'ABORTED' : 'FAILURE'
  currentBuild.result = result
  String why = reason ?: "${meaning(r.status as int)} — the one-line reason is in the log above"
  error("rollwise ${what}: ${why} (exit ${r.status})")
}

/** The text of a Map option, or the default when it is absent or empty. */
String opt(Map options, String key, String fallback = null) {
  def v = options[key]
  return (v == null || String.valueOf(v).isEmpty()) ? fallback : String.valueOf(v)
}

/** The arguments `--flag value` for each option that is set. */
List flags(Map options, Map<String, String> flagByKey) {
  List out = []
  flagByKey.each { key, flag ->
    def v = options[key]
    if (v != null && !String.valueOf(v).isEmpty()) {
      out << flag
      out << String.valueOf(v)
    }
  }
  return out
}

/** A rollout id from free text: only the characters rollwise accepts (letters, digits, _ . : @ + -), at most 200. */
String rolloutId(String text) {
  String id = text.replaceAll(/[^A-Za-z0-9_.:@+-]+/, '-').replaceAll(/^[^A-Za-z0-9]+/, '')
  return (id ?: 'rollout').take(200)
}

/** Remember a rollout this build started, for rollwiseRollback and rollwiseEvidence. */
void remember(String id) {
  List ids = (env.ROLLWISE_ROLLOUTS ?: '').split(',').findAll { it } as List
  if (!ids.contains(id)) ids << id
  env.ROLLWISE_ROLLOUTS = ids.join(',')
  env.ROLLWISE_ROLLOUT_ID = id
}

