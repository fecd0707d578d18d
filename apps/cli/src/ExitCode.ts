/**
 * The exit codes every `rollwise` command documents. Jenkins stages branch on
 * them, so they never change meaning; new ones are only ever added.
 */
export const ExitCode = {
  /** The command did what was asked (for `analyze`: a verdict was produced). */
  Ok: 0,
  /** A bug in rollwise: an unexpected defect. Re-run with `--debug` and report it. */
  Internal: 1,
  /** The command line itself is wrong: unknown flag, missing argument, bad value. */
  Usage: 2,
  /** An input file or value is invalid: missing file, malformed JSON/YAML/CSV, schema violation. */
  BadInput: 3,
  /** A service rollwise depends on failed: unreachable, timed out, refused, answered garbage. */
  Unavailable: 4,
  /** A policy gate blocked the action (change window, error budget, approval, OPA). */
  Blocked: 5,
  /** The command exists in the design but is not built yet in this version. */
  NotImplemented: 6,
  /** The rollout's recorded state does not allow it: promote after a rollback, rollback after a promote. */
  Refused: 7,
  /** `analyze --exit-code`: the verdict is slow (hold, watch longer). */
  VerdictSlow: 10,
  /** `analyze --exit-code`: the verdict is rollback; `rollout`: the rollout was rolled back. */
  VerdictRollback: 11,
  /** The CLI bundle is missing (run `npm run build`). Emitted by bin/rollwise.js. */
  NotBuilt: 70,
  /** Interrupted (SIGINT/SIGTERM). */
  Interrupted: 130
} as const

/** One of the documented exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]
