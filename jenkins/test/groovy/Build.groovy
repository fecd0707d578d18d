/** currentBuild: the result only ever gets worse, as Jenkins' RunWrapper.setResult does. */
class Build {
  static final List<String> ORDER = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED']
  String result = null
  void setResult(String r) {
    if (!(r in ORDER)) throw new IllegalArgumentException("not a build result: ${r}")
    if (result == null || ORDER.indexOf(r) > ORDER.indexOf(result)) result = r
  }
  String getResult() { result }
  String getCurrentResult() { result ?: 'SUCCESS' }
}

