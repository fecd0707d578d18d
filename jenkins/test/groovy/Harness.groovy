import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import org.codehaus.groovy.control.CompilerConfiguration

/**
 * Stubbed pipeline steps that record every call. `sh` runs the rollwise wrapper
 * script in a real /bin/sh -e (so quoting is tested by a real shell) with
 * ROLLWISE_BIN pointing at the fake rollwise, which logs its argv and answers
 * with the canned output of the real CLI; any other sh/bat script (a build) is
 * only recorded.
 */
class Harness {
  final File varsDir
  final File workDir
  final File fake
  final List<Map> calls = []
  final Map env = [:]
  final Build currentBuild = new Build()
  final List<Map> responses = []
  /** What input answers: a user id, or a Closure (message → user id) that may throw FlowInterruptedException. */
  def inputAnswer = 'alice'
  /** How many timeout { } blocks are open: input must run inside one. */
  int timeoutDepth = 0
  final Binding binding = new Binding()
  final GroovyShell shell

  Harness(File varsDir, File fake) {
    this.varsDir = varsDir
    this.fake = fake
    // one folder per harness, under the run's folder (ROLLWISE_JENKINS_TMP), which the test run removes
    File root = new File(System.getenv('ROLLWISE_JENKINS_TMP') ?: System.getProperty('java.io.tmpdir'))
    this.workDir = File.createTempFile('harness-', '', root)
    workDir.delete()
    workDir.mkdirs()
    env.putAll([JOB_NAME: 'checkout/main', JOB_BASE_NAME: 'checkout', BUILD_NUMBER: '812', BUILD_URL: 'https://jenkins.example.com/job/checkout/812/',
                // as a pipeline would set it (environment { ROLLWISE_BIN = … }): the steps run this instead of `rollwise`
                ROLLWISE_BIN: "node ${fake.absolutePath}".toString()])
    CompilerConfiguration cc = new CompilerConfiguration()
    cc.scriptBaseClass = StepScript.name
    shell = new GroovyShell(this.class.classLoader, binding, cc)
    bindSteps()
    varsDir.listFiles().findAll { it.name.endsWith('.groovy') }.sort { it.name }.each { f ->
      Script s = shell.parse(f)
      s.binding = binding
      binding.setVariable(f.name - '.groovy', s)
    }
  }

  /** Answer a rollwise call whose argv holds every token of `match` with this output of the real CLI. */
  Harness respond(List<String> match, Map output) {
    responses << [match: match, stdout: output.stdout, status: output.status]
    return this
  }

  List<Map> stepCalls(String step) { calls.findAll { it.step == step } }
  /** The argv the fake rollwise received, in order. */
  List<List<String>> rollwiseCalls() {
    File log = new File(workDir, 'rollwise-argv.ndjson')
    return log.exists() ? log.readLines().findAll { it }.collect { new JsonSlurper().parseText(it) as List<String> } : []
  }

  private Map runShell(String script) {
    File responsesFile = new File(workDir, 'responses.json')
    responsesFile.text = JsonOutput.toJson(responses)
    List<String> envList = env.findAll { k, v -> v != null }.collect { k, v -> "${k}=${v}".toString() }
    envList += ["PATH=${System.getenv('PATH')}",
                "FAKE_ROLLWISE_LOG=${new File(workDir, 'rollwise-argv.ndjson').absolutePath}",
                "FAKE_ROLLWISE_RESPONSES=${responsesFile.absolutePath}"].collect { it.toString() }
    // the shell sees the pipeline's env and nothing else of this JVM's
    ProcessBuilder pb = new ProcessBuilder('/bin/sh', '-e', '-c', script).directory(workDir)
    pb.environment().clear()
    envList.each { String kv -> int i = kv.indexOf('='); pb.environment().put(kv.substring(0, i), kv.substring(i + 1)) }
    Process q = pb.start()
    def out = new StringBuilder(), err = new StringBuilder()
    q.waitForProcessOutput(out, err)
    int status = q.exitValue()
    return [stdout: out.toString(), stderr: err.toString(), status: status]
  }

  private void bindSteps() {
    Harness h = this
    binding.setVariable('env', env)
    binding.setVariable('currentBuild', currentBuild)
    binding.setVariable('sh', { Object arg ->
      Map a = arg instanceof Map ? arg : [script: String.valueOf(arg)]
      String script = String.valueOf(a.script)
      Map call = [step: 'sh', script: script, returnStdout: a.returnStdout == true, returnStatus: a.returnStatus == true]
      h.calls << call
      if (!script.startsWith('status=0\n')) return a.returnStatus ? 0 : (a.returnStdout ? '' : null)
      Map r = h.runShell(script)
      call.stderr = r.stderr
      if (r.status != 0 && !a.returnStatus) throw new PipelineError("script returned exit code ${r.status}: ${r.stderr}")
      return a.returnStatus ? r.status : (a.returnStdout ? r.stdout : null)
    })
    binding.setVariable('bat', { Object arg -> h.calls << [step: 'bat', script: String.valueOf(arg instanceof Map ? arg.script : arg)]; null })
    binding.setVariable('readJSON', { Map a ->
      h.calls << [step: 'readJSON']
      if (a.text == null) throw new IllegalArgumentException('readJSON: only text: is stubbed')
      return new JsonSlurper().parseText(String.valueOf(a.text))
    })
    binding.setVariable('echo', { Object m -> h.calls << [step: 'echo', message: String.valueOf(m)]; null })
    binding.setVariable('error', { Object m -> h.calls << [step: 'error', message: String.valueOf(m)]; throw new PipelineError(String.valueOf(m)) })
    binding.setVariable('input', { Map a ->
      h.calls << [step: 'input', message: a.message, submitter: a.submitter, submitterParameter: a.submitterParameter, insideTimeout: h.timeoutDepth > 0]
      def answer = h.inputAnswer instanceof Closure ? h.inputAnswer.call(a.message) : h.inputAnswer
      return answer
    })
    binding.setVariable('timeout', { Map a, Closure body ->
      h.calls << [step: 'timeout', time: a.time, unit: a.unit]
      h.timeoutDepth++
      try { return body.call() } finally { h.timeoutDepth-- }
    })
    binding.setVariable('stage', { String name, Closure body -> h.calls << [step: 'stage', name: name]; body.call() })
    binding.setVariable('parallel', { Map branches ->
      h.calls << [step: 'parallel', branches: branches.keySet().findAll { it != 'failFast' }.collect { String.valueOf(it) }, failFast: branches.failFast]
      Throwable first = null
      branches.each { k, v ->
        if (k == 'failFast') return
        try { v.call() } catch (Throwable t) { if (first == null) first = t }
      }
      if (first != null) throw first
    })
    binding.setVariable('string', { Map a -> [kind: 'string'] + a })
    binding.setVariable('withCredentials', { List bindings, Closure body ->
      h.calls << [step: 'withCredentials', bindings: bindings]
      Map saved = [:]
      bindings.each { b -> saved[b.variable] = h.env[b.variable]; h.env[b.variable] = "secret-of-${b.credentialsId}".toString() }
      try { return body.call() } finally { saved.each { k, v -> if (v == null) h.env.remove(k) else h.env[k] = v } }
    })
    ['stash', 'unstash', 'mail', 'timestamps', 'disableConcurrentBuilds', 'archiveArtifacts'].each { String step ->
      binding.setVariable(step, { Object... args -> h.calls << [step: step, args: args.toList()]; null })
    }
    binding.setVariable('script', { Closure body -> body.call() })
  }

  /** Run one step as a pipeline would: an error ends it with FAILURE unless a worse result is already set. */
  Map runStep(String name, Map options) {
    def value = null
    String error = null
    try {
      value = (binding.getVariable(name) as Script).invokeMethod('call', [options] as Object[])
    } catch (PipelineError e) {
      error = e.message
      currentBuild.result = 'FAILURE'
    }
    return [value: value, error: error, result: currentBuild.currentResult]
  }

  /** Load a Jenkinsfile (declarative) and run it under the stubs: stages in order, then the post conditions. */
  Declarative runJenkinsfile(File jenkinsfile) {
    Declarative d = new Declarative(this)
    binding.setVariable('pipeline', { Closure body -> d.define(body) })
    Script s = shell.parse(jenkinsfile.text.replace("@Library('rollwise') _", "@Library('rollwise') def _"), 'Jenkinsfile')
    s.binding = binding
    d.script = s
    s.run()
    d.execute()
    return d
  }
}

