/** What `timeout` and a rejected `input` throw in Jenkins (there: org.jenkinsci.plugins.workflow.steps.FlowInterruptedException). */
class FlowInterruptedException extends RuntimeException {
  FlowInterruptedException(String message) { super(message) }
}

