import { Effect } from "effect"
import { ChangesError } from "./ChangesError.ts"
import * as Coverage from "./Coverage.ts"
import { git, showFile } from "./internal/git.ts"
import * as Manifests from "./Manifests.ts"
import * as Numstat from "./Numstat.ts"

/** What `collect` needs. Coverage reports are given as text (the caller reads the files). */
export interface CollectOptions {
  /** The repository's working directory. */
  readonly repo: string
  readonly base: string
  readonly head: string
  readonly service?: string
  /** Defaults to the top-level directory with the most changed lines. */
  readonly module?: string
  readonly coverageBefore?: { readonly name: string; readonly text: string }
  readonly coverageAfter?: { readonly name: string; readonly text: string }
  /** Past deploys of this module, from the evidence store when one is configured. */
  readonly moduleHistory?: { readonly deploys: number; readonly failures: number }
}

/** The ChangeSet fields git can tell, plus what was seen on the way (for `--json` and debugging). */
export interface Collected {
  readonly changeSet: {
    readonly service: string
    readonly module: string
    readonly linesAdded: number
    readonly linesDeleted: number
    readonly filesChanged: number
    readonly dependencyBumps: ReadonlyArray<Manifests.DependencyBump>
    readonly coverageDelta?: number
    readonly moduleHistory: { readonly deploys: number; readonly failures: number }
  }
  readonly files: ReadonlyArray<Numstat.FileChange>
  readonly manifests: ReadonlyArray<string>
  readonly coverage?: { readonly before: Coverage.LineCoverage; readonly after: Coverage.LineCoverage }
}

const readCoverage = (report: { readonly name: string; readonly text: string }) =>
  Effect.try({
    try: () => Coverage.parse(report.text),
    catch: (e) =>
      new ChangesError({ reason: "BadCoverageReport", subject: report.name, detail: e instanceof Error ? e.message : String(e) })
  })

const readManifest = (repo: string, rev: string, path: string, kind: Manifests.ManifestKind) =>
  showFile(repo, rev, path).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: () => (text === undefined ? new Map<string, string>() : Manifests.parse(kind, text)),
        catch: (e) =>
          new ChangesError({ reason: "BadManifest", subject: `${rev}:${path}`, detail: e instanceof Error ? e.message : String(e) })
      })
    )
  )

/**
 * Dependency bumps over every manifest the change touches. Where a lockfile
 * changed beside its package.json, the lockfile's resolved versions win for
 * the names both report.
 */
const dependencyBumps = Effect.fnUntraced(function* (repo: string, base: string, head: string, paths: ReadonlyArray<string>) {
  const byKey = new Map<string, Manifests.DependencyBump>()
  const manifests: Array<string> = []
  // package.json before lockfiles, so resolved versions overwrite ranges
  const ordered = [...paths].sort((a, b) => Number(Manifests.kindOf(a) === "package-lock.json") - Number(Manifests.kindOf(b) === "package-lock.json"))
  for (const path of ordered) {
    const kind = Manifests.kindOf(path)
    if (kind === undefined) continue
    manifests.push(path)
    const before = yield* readManifest(repo, base, path, kind)
    const after = yield* readManifest(repo, head, path, kind)
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "."
    for (const bump of Manifests.diff(before, after)) byKey.set(`${dir}\0${bump.name}`, bump)
  }
  const bumps = [...byKey.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.to < b.to ? -1 : 1))
  return { bumps, manifests }
})

/**
 * Build the git half of a ChangeSet for `base..head`: line and file counts
 * from `git diff --numstat` (renames detected, binary files counted as files
 * with no lines), dependency bumps from changed manifests, and the coverage
 * delta when both reports are given. Fails with ChangesError naming the
 * repository, revision or file at fault.
 */
export const collect = Effect.fn("GitChanges.collect")(function* (options: CollectOptions) {
  yield* git(options.repo, ["rev-parse", "--git-dir"])
  for (const rev of [options.base, options.head]) {
    yield* git(options.repo, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]).pipe(
      Effect.mapError((e) =>
        e.reason === "GitFailed" || e.reason === "UnknownRevision"
          ? new ChangesError({ reason: "UnknownRevision", subject: options.repo, detail: `unknown revision "${rev}"` })
          : e
      )
    )
  }
  const raw = yield* git(options.repo, ["diff", "--numstat", "-z", "-M", "--no-color", options.base, options.head, "--"])
  const files = Numstat.parse(raw)
  const totals = Numstat.totals(files)
  const { bumps, manifests } = yield* dependencyBumps(options.repo, options.base, options.head, files.map((f) => f.path))

  if ((options.coverageBefore === undefined) !== (options.coverageAfter === undefined)) {
    return yield* new ChangesError({
      reason: "BadCoverageReport",
      subject: (options.coverageBefore ?? options.coverageAfter)!.name,
      detail: "a coverage delta needs both the before and the after report"
    })
  }
  const coverage =
    options.coverageBefore !== undefined && options.coverageAfter !== undefined
      ? { before: yield* readCoverage(options.coverageBefore), after: yield* readCoverage(options.coverageAfter) }
      : undefined

  const service = options.service ?? repoName(options.repo)
  const collected: Collected = {
    changeSet: {
      service,
      module: options.module ?? Numstat.dominantModule(files),
      ...totals,
      dependencyBumps: bumps,
      ...(coverage !== undefined ? { coverageDelta: round(Coverage.delta(coverage.before, coverage.after)) } : {}),
      moduleHistory: options.moduleHistory ?? { deploys: 0, failures: 0 }
    },
    files,
    manifests,
    ...(coverage !== undefined ? { coverage } : {})
  }
  return collected
})

const round = (x: number) => Math.round(x * 1e4) / 1e4

const repoName = (repo: string) => {
  const parts = repo.replace(/[\\/]+$/, "").split(/[\\/]/)
  const last = parts.at(-1) ?? ""
  return last === "" || last === "." ? "service" : last
}
