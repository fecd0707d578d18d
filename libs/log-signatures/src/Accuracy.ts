/**
 * Grouping accuracy of a log parser (Zhu et al., ICSE-SEIP 2019, "Tools and
 * Benchmarks for Automated Log Parsing", called Parsing Accuracy there): the
 * share of lines whose predicted group is exactly the set of lines with their
 * true event — a line in a group that is split or merged counts as wrong.
 */

/**
 * Grouping accuracy in [0, 1] of `predicted` template ids against `truth`
 * event ids, one per line in the same order (an empty input scores 1).
 * A predicted group is correct when it holds exactly the lines of one true
 * event; every line of a correct group counts, every other line does not.
 */
export const grouping = (predicted: ArrayLike<number>, truth: ReadonlyArray<string>): number => {
  const n = Math.min(predicted.length, truth.length)
  if (n === 0) return 1
  const predictedSize = new Map<number, number>()
  const truthSize = new Map<string, number>()
  // For each predicted group: the single true event all its lines share, or null when mixed.
  const owner = new Map<number, string | null>()
  for (let i = 0; i < n; i++) {
    const p = predicted[i]!
    const t = truth[i]!
    predictedSize.set(p, (predictedSize.get(p) ?? 0) + 1)
    truthSize.set(t, (truthSize.get(t) ?? 0) + 1)
    const o = owner.get(p)
    if (o === undefined) owner.set(p, t)
    else if (o !== null && o !== t) owner.set(p, null)
  }
  let correct = 0
  for (const [p, size] of predictedSize) {
    const t = owner.get(p)
    if (t !== null && t !== undefined && truthSize.get(t) === size) correct += size
  }
  return correct / n
}
