/** A small interpreter of declarative pipeline syntax: enough to load a Jenkinsfile and run its stages in order. */
class Declarative {
  final Harness h
  Script script
  Object agent
  final List<Map> stages = []
  final Map<String, Closure> post = [:]
  final List<String> ran = []
  final List<String> failedStages = []
  String error

  Declarative(Harness h) { this.h = h }

  void define(Closure body) { dsl(body, new PipelineBlock(this)) }

  static Object dsl(Closure body, Object delegate) {
    body.delegate = delegate
    body.resolveStrategy = Closure.DELEGATE_FIRST
    return body.call()
  }

  void execute() {
    for (Map st : stages) {
      if (error != null) break
      try { runStage(st) } catch (PipelineError e) { /* recorded: the later stages are skipped */ }
    }
    String r = h.currentBuild.currentResult
    List<String> conditions = ['always', r == 'SUCCESS' ? 'success' : null, r == 'FAILURE' ? 'failure' : null, r == 'UNSTABLE' ? 'unstable' : null,
                               r == 'NOT_BUILT' ? 'notBuilt' : null, r == 'ABORTED' ? 'aborted' : null, 'cleanup'].findAll { it }
    for (String c : conditions) {
      if (post[c] == null) continue
      h.calls << [step: 'post', condition: c]
      try { steps(post[c]) } catch (PipelineError e) { h.currentBuild.result = 'FAILURE' }
    }
  }

  private void steps(Closure body) {
    body.delegate = script
    body.resolveStrategy = Closure.DELEGATE_FIRST
    body.call()
  }

  private void runStage(Map st) {
    ran << st.name
    h.calls << [step: 'stage', name: st.name]
    if (st.parallel) {
      for (Map child : st.parallel) {
        try { runStage(child) } catch (PipelineError e) { /* the others still run, as in declarative parallel */ }
      }
      if (st.parallel.any { it.name in failedStages }) {
        failedStages << st.name
        if (error == null) error = "a parallel stage of ${st.name} failed"
      }
      return
    }
    try {
      if (st.steps) steps(st.steps)
    } catch (PipelineError e) {
      failedStages << st.name
      h.currentBuild.result = 'FAILURE'
      if (error == null) error = e.message
      throw e
    }
  }
}

class PipelineBlock {
  final Declarative d
  PipelineBlock(Declarative d) { this.d = d }
  void agent(Object a) { d.agent = a }
  void agent(Closure c) { d.agent = Declarative.dsl(c, new Recorder()) }
  void options(Closure c) { Declarative.dsl(c, new Recorder()) }
  void environment(Closure c) { Declarative.dsl(c, new EnvBlock(d.h.env)) }
  void stages(Closure c) { Declarative.dsl(c, new StagesBlock(d.stages)) }
  void post(Closure c) { Declarative.dsl(c, new PostBlock(d.post)) }
}

class StagesBlock {
  final List<Map> into
  StagesBlock(List<Map> into) { this.into = into }
  void stage(String name, Closure c) {
    Map st = [name: name]
    Declarative.dsl(c, new StageBlock(st))
    into << st
  }
}

class StageBlock {
  final Map st
  StageBlock(Map st) { this.st = st }
  void agent(Closure c) { st.agent = Declarative.dsl(c, new Recorder()) }
  void agent(Object a) { st.agent = a }
  void steps(Closure c) { st.steps = c }
  void parallel(Closure c) { st.parallel = []; Declarative.dsl(c, new StagesBlock(st.parallel as List<Map>)) }
}

class PostBlock {
  final Map<String, Closure> into
  PostBlock(Map<String, Closure> into) { this.into = into }
  def methodMissing(String name, Object args) {
    if (!(name in ['always', 'success', 'failure', 'unstable', 'notBuilt', 'aborted', 'changed', 'fixed', 'regression', 'cleanup'])) {
      throw new MissingMethodException(name, PostBlock, args as Object[])
    }
    into[name] = (args as Object[])[0] as Closure
  }
}

/** environment { NAME = value }: each assignment goes to env; reads fall through to the script. */
class EnvBlock {
  final Map env
  EnvBlock(Map env) { this.env = env }
  void setProperty(String name, Object value) { env[name] = String.valueOf(value) }
  Object getProperty(String name) { throw new MissingPropertyException(name, EnvBlock) }
}

/** Records calls like label 'arm64' inside agent { } and options { }. */
class Recorder {
  final List calls = []
  def methodMissing(String name, Object args) { calls << [name, (args as Object[]).toList()]; this }
}
