// rollwiseApproval: ask a person, within a time limit; returns who approved, or null when nobody did in time
// or the request was rejected. Used by rollwiseGate and rollwisePromote.
//
//   String who = rollwiseApproval(message: 'Flip checkout to 2.6.0?', timeoutMinutes: 60, submitter: 'release-managers')

def call(Map options = [:]) {
  int minutes = (options.timeoutMinutes ?: 60) as int
  try {
    def approver = null
    timeout(time: minutes, unit: 'MINUTES') {
      Map params = [message: String.valueOf(options.message ?: 'Approve the deploy?'), ok: 'Approve', submitterParameter: 'ROLLWISE_APPROVER']
      if (options.submitter) params.submitter = String.valueOf(options.submitter)
      approver = input(params)
    }
    // with only submitterParameter, input returns the approver's user id
    String who = approver instanceof Map ? approver.ROLLWISE_APPROVER : approver
    return who ?: 'unknown'
  } catch (Exception e) {
    // a timeout or a click on Abort (FlowInterruptedException); anything else is a real error
    if (!(e.class.name.endsWith('FlowInterruptedException'))) throw e
    echo "rollwise: not approved within ${minutes} min or rejected (${e.message ?: e.class.simpleName})"
    return null
  }
}
