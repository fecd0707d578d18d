/**
 * Test support: real git repositories in temp folders, for tests (here and in
 * the CLI) that must not mock git.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"

/** A real git repository in a temp folder, for tests that must not mock git. */
export const makeRepo = () => {
  const dir = mkdtempSync(join(tmpdir(), "rollwise-git-"))
  const run = (...args: Array<string>) =>
    execFileSync("git", ["-C", dir, ...args], {
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "Test",
        GIT_AUTHOR_EMAIL: "test@example.com",
        GIT_COMMITTER_NAME: "Test",
        GIT_COMMITTER_EMAIL: "test@example.com",
        GIT_CONFIG_NOSYSTEM: "1",
        HOME: dir
      }
    }).trim()
  run("init", "-q", "-b", "main")
  return {
    dir,
    write(path: string, content: string | Buffer) {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), content)
    },
    remove(path: string) {
      rmSync(join(dir, path))
    },
    git: run,
    /** Stage everything and commit; returns the commit id. */
    commit(message: string) {
      run("add", "-A")
      run("commit", "-q", "--allow-empty", "-m", message)
      return run("rev-parse", "HEAD")
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
