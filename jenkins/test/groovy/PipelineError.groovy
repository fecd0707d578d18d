/** What `error` throws (Jenkins: hudson.AbortException). */
class PipelineError extends RuntimeException {
  PipelineError(String message) { super(message) }
}

