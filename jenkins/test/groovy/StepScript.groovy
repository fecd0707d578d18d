/**
 * The base class of every var and of the Jenkinsfile under test: a call to another
 * global var (rollwiseApproval(...)) reaches that var's call(), as in Jenkins.
 */
abstract class StepScript extends Script {
  Object invokeMethod(String name, Object args) {
    try {
      return super.invokeMethod(name, args)
    } catch (MissingMethodException e) {
      if (e.method != name) throw e
      def v = binding.hasVariable(name) ? binding.getVariable(name) : null
      if (v instanceof Script) return v.invokeMethod('call', args)
      throw e
    }
  }
}

