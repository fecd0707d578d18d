import { baseLogOdds, sigmoid } from "./metrics.ts"
import { mulberry32, permutation } from "./prng.ts"

/** Tree-boosting parameters (all validated by the caller). */
export interface GbdtParams {
  readonly trees: number
  readonly depth: number
  readonly learningRate: number
  /** L2 penalty on leaf values (xgboost's λ). */
  readonly l2: number
  /** Minimum hessian sum in a child. */
  readonly minChildWeight: number
  /** Each tree sees each row with this probability (seeded Bernoulli sampling). */
  readonly subsample: number
  /** Fraction of features each tree may split on (seeded). */
  readonly featureFraction: number
  /** At most this many bins per feature (≤ 256). */
  readonly bins: number
  /** Stop when validation log loss has not improved for this many trees; 0 = never. */
  readonly earlyStoppingRounds: number
  readonly seed: number
}

/**
 * One regression tree as parallel arrays; node 0 is the root. A leaf has
 * `feature` -1. An internal node sends `x[feature] <= threshold` left.
 * `value` is the leaf output (log-odds, shrinkage included) at leaves and
 * the cover-weighted mean of its leaves at internal nodes; `cover` is the
 * hessian sum of the training rows that reached the node.
 */
export interface TreeArrays {
  readonly feature: Array<number>
  readonly threshold: Array<number>
  readonly left: Array<number>
  readonly right: Array<number>
  readonly value: Array<number>
  readonly cover: Array<number>
}

/** Bin edges per feature: `bin(x)` = the number of edges below x; `x <= edges[b]` ⇔ `bin(x) <= b`. */
export const binEdges = (X: Float64Array, n: number, d: number, maxBins: number): Array<Float64Array> => {
  const edges: Array<Float64Array> = []
  const col = new Float64Array(n)
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) col[i] = X[i * d + j]!
    col.sort()
    const distinct: Array<number> = []
    for (let i = 0; i < n; i++) if (i === 0 || col[i] !== col[i - 1]) distinct.push(col[i]!)
    if (distinct.length <= maxBins) {
      const e = new Float64Array(Math.max(0, distinct.length - 1))
      for (let k = 0; k + 1 < distinct.length; k++) e[k] = (distinct[k]! + distinct[k + 1]!) / 2
      edges.push(e)
    } else {
      const cuts: Array<number> = []
      for (let k = 1; k < maxBins; k++) {
        const q = col[Math.min(n - 1, Math.floor((k * n) / maxBins))]!
        if (cuts.length === 0 || q > cuts[cuts.length - 1]!) cuts.push(q)
      }
      // the top cut must leave something on its right
      if (cuts.length > 0 && cuts[cuts.length - 1]! >= col[n - 1]!) cuts.pop()
      edges.push(Float64Array.from(cuts))
    }
  }
  return edges
}

const lowerBound = (edges: Float64Array, x: number): number => {
  let lo = 0
  let hi = edges.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (edges[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Bin a row-major matrix into a column-major Uint8Array (`bins[j * n + i]`). */
export const binMatrix = (X: Float64Array, n: number, d: number, edges: ReadonlyArray<Float64Array>): Uint8Array => {
  const out = new Uint8Array(n * d)
  for (let j = 0; j < d; j++) {
    const e = edges[j]!
    const base = j * n
    for (let i = 0; i < n; i++) out[base + i] = lowerBound(e, X[i * d + j]!)
  }
  return out
}

interface Grown {
  readonly tree: TreeArrays
  /** Split bin of each internal node (for predicting on binned rows). */
  readonly splitBin: Array<number>
}

/** The result of boosting: base log-odds, the trees, and the validation curve. */
export interface GbdtFit {
  readonly baseScore: number
  readonly trees: ReadonlyArray<TreeArrays>
  readonly bestIteration: number
  readonly validationLogLoss: ReadonlyArray<number>
}

/**
 * Gradient-boosted trees for log loss on histogram bins (like LightGBM's
 * and XGBoost's `hist` method): depth-limited trees grown depth-first with
 * the histogram subtraction trick, shrinkage, seeded row and feature
 * subsampling, and early stopping on the validation rows when given.
 * Optional row `weights` scale each row's gradient and hessian.
 */
export const fitGbdt = (
  X: Float64Array,
  y: Uint8Array,
  n: number,
  d: number,
  params: GbdtParams,
  validation?: { readonly X: Float64Array; readonly y: Uint8Array; readonly n: number },
  weights?: Float64Array
): GbdtFit => {
  const random = mulberry32(params.seed)
  const edges = binEdges(X, n, d, Math.min(256, params.bins))
  const bins = binMatrix(X, n, d, edges)
  const offsets = new Int32Array(d + 1)
  for (let j = 0; j < d; j++) offsets[j + 1] = offsets[j]! + edges[j]!.length + 1
  const totalBins = offsets[d]!
  const valBins = validation === undefined ? undefined : binMatrix(validation.X, validation.n, d, edges)

  const baseScore = baseLogOdds(y, n, weights)
  const F = new Float64Array(n).fill(baseScore)
  const g = new Float64Array(n)
  const h = new Float64Array(n)
  const Fv = validation === undefined ? undefined : new Float64Array(validation.n).fill(baseScore)

  const trees: Array<TreeArrays> = []
  const curve: Array<number> = []
  let best = Number.POSITIVE_INFINITY
  let bestIteration = 0
  const sampleSize = Math.max(1, Math.round(n * params.subsample))
  const sampleBuffer = new Uint32Array(n)
  const featureCount = Math.max(1, Math.round(d * params.featureFraction))
  const lambda = params.l2

  // histogram buffers, one per depth level (depth-first growth reuses them);
  // gradient and hessian sums interleaved: hist[2b] = G, hist[2b + 1] = H
  const hists = Array.from({ length: params.depth + 2 }, () => new Float64Array(2 * totalBins))

  const buildHist = (rows: Uint32Array, features: Int32Array, hist: Float64Array) => {
    for (let f = 0; f < features.length; f++) {
      const j = features[f]!
      const off = offsets[j]!
      hist.fill(0, 2 * off, 2 * offsets[j + 1]!)
      const base = j * n
      for (let r = 0; r < rows.length; r++) {
        const i = rows[r]!
        const b = 2 * (off + bins[base + i]!)
        hist[b] = hist[b]! + g[i]!
        hist[b + 1] = hist[b + 1]! + h[i]!
      }
    }
  }

  for (let t = 0; t < params.trees; t++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(F[i]!)
      const wi = weights === undefined ? 1 : weights[i]!
      g[i] = wi * (p - y[i]!)
      h[i] = wi * Math.max(p * (1 - p), 1e-16)
    }
    let rows: Uint32Array
    if (sampleSize < n) {
      // Bernoulli sampling: each row with probability `subsample`, indices already in order
      let count = 0
      for (let i = 0; i < n; i++) if (random() < params.subsample) sampleBuffer[count++] = i
      rows = sampleBuffer.subarray(0, Math.max(1, count))
    } else {
      rows = new Uint32Array(n)
      for (let i = 0; i < n; i++) rows[i] = i
    }
    let features: Int32Array
    if (featureCount < d) {
      features = Int32Array.from(permutation(d, random).subarray(0, featureCount)).sort()
    } else {
      features = new Int32Array(d)
      for (let j = 0; j < d; j++) features[j] = j
    }

    const tree: TreeArrays = { feature: [], threshold: [], left: [], right: [], value: [], cover: [] }
    const splitBin: Array<number> = []
    const newNode = (): number => {
      tree.feature.push(-1)
      tree.threshold.push(0)
      tree.left.push(-1)
      tree.right.push(-1)
      tree.value.push(0)
      tree.cover.push(0)
      splitBin.push(-1)
      return tree.feature.length - 1
    }

    const grow = (node: number, nodeRows: Uint32Array, level: number, hist: Float64Array, sumG: number, sumH: number) => {
      tree.cover[node] = sumH
      const leafValue = (-sumG / (sumH + lambda)) * params.learningRate
      if (level >= params.depth || nodeRows.length < 2) {
        tree.value[node] = leafValue
        return
      }
      const parentScore = (sumG * sumG) / (sumH + lambda)
      let bestGain = 1e-12
      let bestFeature = -1
      let bestBin = -1
      for (let f = 0; f < features.length; f++) {
        const j = features[f]!
        const off = offsets[j]!
        const last = offsets[j + 1]! - 1
        let gl = 0
        let hl = 0
        for (let b = off; b < last; b++) {
          gl += hist[2 * b]!
          hl += hist[2 * b + 1]!
          if (hl < params.minChildWeight) continue
          const hr = sumH - hl
          if (hr < params.minChildWeight) break
          const gr = sumG - gl
          const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore
          if (gain > bestGain) {
            bestGain = gain
            bestFeature = j
            bestBin = b - off
          }
        }
      }
      if (bestFeature === -1) {
        tree.value[node] = leafValue
        return
      }
      const base = bestFeature * n
      let leftCount = 0
      for (let r = 0; r < nodeRows.length; r++) if (bins[base + nodeRows[r]!]! <= bestBin) leftCount++
      const leftRows = new Uint32Array(leftCount)
      const rightRows = new Uint32Array(nodeRows.length - leftCount)
      let li = 0
      let ri = 0
      let leftG = 0
      let leftH = 0
      for (let r = 0; r < nodeRows.length; r++) {
        const i = nodeRows[r]!
        if (bins[base + i]! <= bestBin) {
          leftRows[li++] = i
          leftG += g[i]!
          leftH += h[i]!
        } else rightRows[ri++] = i
      }
      tree.feature[node] = bestFeature
      tree.threshold[node] = edges[bestFeature]![bestBin]!
      splitBin[node] = bestBin
      const left = newNode()
      const right = newNode()
      tree.left[node] = left
      tree.right[node] = right
      // build the smaller child's histogram; the larger one is parent − smaller
      const child = hists[level + 1]!
      const smallIsLeft = leftRows.length <= rightRows.length
      buildHist(smallIsLeft ? leftRows : rightRows, features, child)
      // the parent's buffer now holds the larger child
      for (let f = 0; f < features.length; f++) {
        const j = features[f]!
        for (let b = 2 * offsets[j]!; b < 2 * offsets[j + 1]!; b++) hist[b] = hist[b]! - child[b]!
      }
      const rightG = sumG - leftG
      const rightH = sumH - leftH
      if (smallIsLeft) {
        grow(left, leftRows, level + 1, child, leftG, leftH)
        grow(right, rightRows, level + 1, hist, rightG, rightH)
      } else {
        grow(right, rightRows, level + 1, child, rightG, rightH)
        grow(left, leftRows, level + 1, hist, leftG, leftH)
      }
      const cl = tree.cover[left]!
      const cr = tree.cover[right]!
      tree.value[node] = cl + cr > 0 ? (cl * tree.value[left]! + cr * tree.value[right]!) / (cl + cr) : 0
    }

    const root = newNode()
    const hist0 = hists[0]!
    buildHist(rows, features, hist0)
    let sumG = 0
    let sumH = 0
    for (let r = 0; r < rows.length; r++) {
      sumG += g[rows[r]!]!
      sumH += h[rows[r]!]!
    }
    grow(root, rows, 0, hist0, sumG, sumH)
    const grown: Grown = { tree, splitBin }
    trees.push(tree)
    applyBinned(grown, bins, n, F)
    if (validation !== undefined && valBins !== undefined && Fv !== undefined) {
      applyBinned(grown, valBins, validation.n, Fv)
      let loss = 0
      for (let i = 0; i < validation.n; i++) {
        const z = Fv[i]!
        const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))
        loss += softplus - (validation.y[i] === 1 ? z : 0)
      }
      loss /= validation.n
      curve.push(loss)
      if (loss < best - 1e-12) {
        best = loss
        bestIteration = t + 1
      } else if (params.earlyStoppingRounds > 0 && t + 1 - bestIteration >= params.earlyStoppingRounds) break
    } else bestIteration = t + 1
  }
  const kept = validation !== undefined && params.earlyStoppingRounds > 0 ? trees.slice(0, Math.max(1, bestIteration)) : trees
  return { baseScore, trees: kept, bestIteration: kept.length, validationLogLoss: curve }
}

const applyBinned = (grown: Grown, bins: Uint8Array, n: number, F: Float64Array) => {
  const { tree, splitBin } = grown
  for (let i = 0; i < n; i++) {
    let node = 0
    while (tree.feature[node]! !== -1) {
      node = bins[tree.feature[node]! * n + i]! <= splitBin[node]! ? tree.left[node]! : tree.right[node]!
    }
    F[i] = F[i]! + tree.value[node]!
  }
}
