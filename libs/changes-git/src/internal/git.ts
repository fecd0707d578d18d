import { Effect } from "effect"
import { execFile } from "node:child_process"
import { ChangesError } from "../ChangesError.ts"

/**
 * Run git in a repository and return stdout. git's own stderr becomes the
 * error detail (first line), classified into the reasons a caller can act on.
 * The child is killed if the fiber is interrupted.
 */
export const git = (repo: string, args: ReadonlyArray<string>): Effect.Effect<string, ChangesError> =>
  Effect.callback<string, ChangesError>((resume, signal) => {
    execFile(
      "git",
      ["-C", repo, ...args],
      { encoding: "utf8", maxBuffer: 1024 * 1024 * 1024, signal, env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" } },
      (error, stdout, stderr) => {
        if (error === null) return resume(Effect.succeed(stdout))
        const code = (error as NodeJS.ErrnoException).code
        const firstLine = (stderr || error.message).trim().split("\n")[0] ?? ""
        if (code === "ENOENT") {
          return resume(Effect.fail(new ChangesError({ reason: "GitUnavailable", subject: "git", detail: "git is not installed or not on PATH", cause: error })))
        }
        if (/not a git repository|cannot change to/i.test(stderr)) {
          return resume(Effect.fail(new ChangesError({ reason: "NotARepository", subject: repo, detail: "not a git repository", cause: error })))
        }
        if (/unknown revision|bad revision|invalid revision|bad object|ambiguous argument/i.test(stderr)) {
          return resume(Effect.fail(new ChangesError({ reason: "UnknownRevision", subject: repo, detail: firstLine.replace(/^fatal:\s*/, ""), cause: error })))
        }
        return resume(Effect.fail(new ChangesError({ reason: "GitFailed", subject: `git ${args[0] ?? ""}`, detail: firstLine, cause: error })))
      }
    )
  })

/**
 * A file's content at a revision, or undefined when the file does not exist
 * there (added or deleted by the change).
 */
export const showFile = (repo: string, rev: string, path: string): Effect.Effect<string | undefined, ChangesError> =>
  git(repo, ["cat-file", "-e", `${rev}:${path}`]).pipe(
    Effect.flatMap(() => git(repo, ["show", `${rev}:${path}`])),
    Effect.catchIf(
      (e) => e.reason === "GitFailed" || e.reason === "UnknownRevision",
      () => Effect.succeed(undefined)
    )
  )
