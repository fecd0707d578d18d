/**
 * Parsing `git diff --numstat -z` output: lines added and deleted per file,
 * with renames and binary files handled.
 */

/** One changed file. Binary files have `binary: true` and count 0 lines. */
export interface FileChange {
  readonly path: string
  /** The path before a rename or copy, when git detected one. */
  readonly previousPath?: string
  readonly added: number
  readonly deleted: number
  readonly binary: boolean
}

/**
 * Parse NUL-separated numstat (`git diff --numstat -z A B`). Each record is
 * `added\tdeleted\tpath\0`, or for a rename `added\tdeleted\t\0old\0new\0`;
 * binary files show `-` for both counts. Returns an empty list for empty input.
 */
export const parse = (raw: string): ReadonlyArray<FileChange> => {
  const fields = raw.split("\0")
  const changes: Array<FileChange> = []
  let i = 0
  while (i < fields.length) {
    const head = fields[i]!
    i++
    if (head === "") continue
    const m = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(head)
    if (m === null) continue
    const binary = m[1] === "-" || m[2] === "-"
    const added = binary ? 0 : Number(m[1])
    const deleted = binary ? 0 : Number(m[2])
    if (m[3] === "") {
      const previousPath = fields[i] ?? ""
      const path = fields[i + 1] ?? ""
      i += 2
      changes.push({ path, previousPath, added, deleted, binary })
    } else {
      changes.push({ path: m[3]!, added, deleted, binary })
    }
  }
  return changes
}

/** Totals over a list of file changes. */
export const totals = (changes: ReadonlyArray<FileChange>) => ({
  linesAdded: changes.reduce((n, c) => n + c.added, 0),
  linesDeleted: changes.reduce((n, c) => n + c.deleted, 0),
  filesChanged: changes.length
})

/**
 * The module a change belongs to when none is given: the top-level directory
 * with the most changed lines (files at the root count as "."). Ties go to the
 * alphabetically first, so the answer is deterministic. Empty input gives ".".
 */
export const dominantModule = (changes: ReadonlyArray<FileChange>): string => {
  const weight = new Map<string, number>()
  for (const c of changes) {
    const slash = c.path.indexOf("/")
    const top = slash === -1 ? "." : c.path.slice(0, slash)
    weight.set(top, (weight.get(top) ?? 0) + c.added + c.deleted + 1)
  }
  let best = "."
  let bestWeight = -1
  for (const [name, w] of [...weight.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (w > bestWeight) {
      best = name
      bestWeight = w
    }
  }
  return best
}
