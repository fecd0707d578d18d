/**
 * Area under the ROC curve in its Mann–Whitney form: the probability that a
 * random positive scores above a random negative, ties counting one half
 * (midranks). NaN when either class is absent.
 */
export const auc = (scores: ArrayLike<number>, labels: ArrayLike<number>): number => {
  const n = scores.length
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((a, b) => scores[a]! - scores[b]!)
  let positives = 0
  let rankSum = 0
  let i = 0
  while (i < n) {
    let j = i
    const s = scores[order[i]!]!
    while (j + 1 < n && scores[order[j + 1]!]! === s) j++
    const midrank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        positives++
        rankSum += midrank
      }
    }
    i = j + 1
  }
  const negatives = n - positives
  if (positives === 0 || negatives === 0) return Number.NaN
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}

/** Mean squared difference between predicted probability and outcome (lower is better). */
export const brier = (probabilities: ArrayLike<number>, labels: ArrayLike<number>): number => {
  let sum = 0
  for (let i = 0; i < probabilities.length; i++) {
    const d = probabilities[i]! - labels[i]!
    sum += d * d
  }
  return sum / probabilities.length
}

const EPS = 1e-15

/** Mean negative log-likelihood of the outcomes (natural log; probabilities clipped to [1e-15, 1 - 1e-15]). */
export const logLoss = (probabilities: ArrayLike<number>, labels: ArrayLike<number>): number => {
  let sum = 0
  for (let i = 0; i < probabilities.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, probabilities[i]!))
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p)
  }
  return sum / probabilities.length
}

/** The logistic function, stable for large |z|. */
export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)))

/** log(p / (1 - p)), with p clipped away from 0 and 1. */
export const logit = (p: number): number => {
  const q = Math.min(1 - EPS, Math.max(EPS, p))
  return Math.log(q / (1 - q))
}

/**
 * The log-odds of the (weighted) base rate of the first n labels, the rate
 * kept inside [1e-6, 1 − 1e-6]: where both learners start.
 */
export const baseLogOdds = (y: ArrayLike<number>, n: number, weights?: ArrayLike<number>): number => {
  let positives = 0
  let total = 0
  for (let i = 0; i < n; i++) {
    const wi = weights === undefined ? 1 : weights[i]!
    positives += wi * y[i]!
    total += wi
  }
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, positives / total))
  return Math.log(rate / (1 - rate))
}
