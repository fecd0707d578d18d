/**
 * Isolation Forest (Liu, Ting & Zhou, "Isolation Forest", ICDM 2008): an
 * unsupervised detector for rows (one value per feature) that are unusual as
 * a combination, even when every feature alone looks ordinary. Each tree cuts
 * a random subsample with random axis-parallel splits; unusual rows are
 * isolated after few cuts, so a short average path means an anomaly.
 *
 * Fit on the reference rows (the baseline's windows), then {@link score} any
 * rows against it: about 0.5 or below is ordinary, close to 1 is anomalous.
 * {@link featureContributions} says which features shortened the paths.
 *
 * The paper's algorithm, with scikit-learn's choices where it is silent: ψ
 * rows drawn without replacement per tree (ψ = min(sampleSize, rows)), height
 * limit ⌈log₂ ψ⌉, split value uniform in [min, max) of the node with rows ≤ the
 * value going left, and c(n) added at every external node of n > 1 rows.
 * One difference: the split attribute is drawn among the attributes that vary
 * within the node (scikit-learn redraws until it finds one), so a constant
 * column changes nothing at all.
 *
 * All randomness comes from the `Uniform` passed in (see `Random.mulberry32`):
 * the same seed gives the same forest. Trees are stored flat in typed arrays.
 */
import { averagePathLength as c, averagePathLengths, grow, type Nodes, scratch } from "./internal/isolationForestTree.ts"
import type { Uniform } from "./Random.ts"

declare const MatrixBrand: unique symbol

/**
 * Rows × features, row-major (`data[row * cols + feature]`), every value
 * finite. Only {@link Matrix.fromRows} and {@link Matrix.fromData} make one, so
 * a `Matrix` has always been checked; treat `data` as read-only.
 */
export interface Matrix {
  readonly rows: number
  readonly cols: number
  readonly data: Float64Array
  readonly [MatrixBrand]: "Matrix"
}

/**
 * Why input could not become a {@link Matrix}, with the first offending
 * position (−1 where it does not apply): `"ragged"` a row's width differs from
 * the first row's; `"not-finite"` NaN or ±Infinity (drop or impute such
 * windows before building the matrix); `"bad-shape"` `rows`/`cols` are not
 * non-negative integers or `data` has not rows × cols values.
 */
export interface MatrixError {
  readonly _tag: "MatrixError"
  readonly reason: "ragged" | "not-finite" | "bad-shape"
  readonly row: number
  readonly column: number
  readonly message: string
}

/** The outcome of building a {@link Matrix}: bad input is returned, never thrown. */
export type MatrixResult =
  | { readonly _tag: "Valid"; readonly matrix: Matrix }
  | { readonly _tag: "Invalid"; readonly error: MatrixError }

const invalid = (reason: MatrixError["reason"], row: number, column: number, message: string): MatrixResult => ({
  _tag: "Invalid",
  error: { _tag: "MatrixError", reason, row, column, message }
})

const valid = (rows: number, cols: number, data: Float64Array): MatrixResult => ({
  _tag: "Valid",
  matrix: { rows, cols, data } as Matrix
})

/**
 * Builds a {@link Matrix} from one array per row. Every row must have the
 * first row's width and only finite values; `[]` is the empty 0 × 0 matrix
 * (fitting on it gives a forest whose every score is 0.5).
 */
const fromRows = (rows: ReadonlyArray<ReadonlyArray<number>>): MatrixResult => {
  const n = rows.length
  const cols = n === 0 ? 0 : rows[0]!.length
  const data = new Float64Array(n * cols)
  for (let r = 0; r < n; r++) {
    const row = rows[r]!
    if (row.length !== cols) return invalid("ragged", r, -1, `row ${r} has ${row.length} values, row 0 has ${cols}`)
    for (let f = 0; f < cols; f++) {
      const v = row[f]!
      if (typeof v !== "number" || !Number.isFinite(v)) {
        return invalid("not-finite", r, f, `row ${r}, column ${f} is ${String(v)}, not a finite number`)
      }
      data[r * cols + f] = v
    }
  }
  return valid(n, cols, data)
}

/**
 * Builds a {@link Matrix} from values already laid out row-major (copied, so
 * the caller may reuse its buffer): `data.length` must be rows × cols and
 * every value finite.
 */
const fromData = (rows: number, cols: number, data: ArrayLike<number>): MatrixResult => {
  if (!Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(cols) || cols < 0) {
    return invalid("bad-shape", -1, -1, `rows (${rows}) and cols (${cols}) must be non-negative integers`)
  }
  if (data.length !== rows * cols) {
    return invalid("bad-shape", -1, -1, `${rows} × ${cols} needs ${rows * cols} values, got ${data.length}`)
  }
  const copy = Float64Array.from(data)
  for (let i = 0; i < copy.length; i++) {
    if (!Number.isFinite(copy[i]!)) {
      const row = Math.floor(i / cols)
      const column = i - row * cols
      return invalid("not-finite", row, column, `row ${row}, column ${column} is ${copy[i]}, not a finite number`)
    }
  }
  return valid(rows, cols, copy)
}

/**
 * Constructors of the validated {@link Matrix}: `Matrix.fromRows(rows)` and
 * `Matrix.fromData(rows, cols, data)`. Both return a {@link MatrixResult}.
 */
export const Matrix: {
  readonly fromRows: (rows: ReadonlyArray<ReadonlyArray<number>>) => MatrixResult
  readonly fromData: (rows: number, cols: number, data: ArrayLike<number>) => MatrixResult
} = { fromRows, fromData }

/** Options of {@link fit}. */
export interface FitOptions {
  /** Number of trees t; default 100 (the paper's and scikit-learn's). A positive integer. */
  readonly trees?: number
  /** Subsample size ψ per tree; default 256. Capped at the number of rows. A positive integer. */
  readonly sampleSize?: number
  /** The only source of randomness, e.g. `Random.mulberry32(seed)`: same seed, same forest. */
  readonly random: Uniform
}

/**
 * A fitted forest. Every tree lives in the same flat arrays: node `k` splits
 * on `feature[k]` at `threshold[k]` (rows with value ≤ threshold go to
 * `child[k]`, the others to `child[k] + 1`), or is external when
 * `feature[k] === -1`; `size[k]` training rows reached it. Tree `i` starts at
 * node `roots[i]`. Read-only; build with {@link fit}.
 */
export interface Forest {
  /** Width of the rows it was fitted on; {@link score} needs the same. */
  readonly cols: number
  /** ψ actually used: min(sampleSize, rows). */
  readonly sampleSize: number
  /** ⌈log₂ ψ⌉: no tree is deeper. */
  readonly heightLimit: number
  readonly roots: Int32Array
  readonly feature: Int32Array
  readonly threshold: Float64Array
  readonly child: Int32Array
  readonly size: Int32Array
  /**
   * `"too-few"`: fewer than 2 training rows; `"constant"`: no feature varies
   * over the training rows. Either way nothing can be isolated and every
   * score is exactly 0.5 ("no distinct anomaly"). `undefined` otherwise.
   */
  readonly degenerate: "too-few" | "constant" | undefined
}

const positiveInteger = (name: string, value: number): number => {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`IsolationForest.fit: ${name} must be a positive integer, got ${value}`)
  return value
}

/**
 * Fits `trees` isolation trees, each on ψ = min(sampleSize, rows.rows) rows
 * drawn without replacement. Cost O(t · ψ · log ψ · cols) time, O(t · ψ)
 * memory, independent of the number of rows beyond reading them.
 * Throws `RangeError` only for options that are not positive integers (a
 * programming error); any matrix, even empty or constant, gives a forest.
 */
export const fit = (rows: Matrix, options: FitOptions): Forest => {
  const trees = positiveInteger("trees", options.trees ?? 100)
  const psi = Math.min(positiveInteger("sampleSize", options.sampleSize ?? 256), rows.rows)
  const { cols, data } = rows
  const heightLimit = psi <= 1 ? 0 : Math.ceil(Math.log2(psi))
  const perTree = Math.max(1, Math.min(2 * psi - 1, 2 ** (heightLimit + 1) - 1))
  const nodes: Nodes = {
    feature: new Int32Array(trees * perTree),
    threshold: new Float64Array(trees * perTree),
    child: new Int32Array(trees * perTree),
    size: new Int32Array(trees * perTree)
  }
  const roots = new Int32Array(trees)
  const pool = new Int32Array(rows.rows)
  for (let i = 0; i < pool.length; i++) pool[i] = i
  const sample = new Int32Array(psi)
  const work = scratch(cols, perTree + 1)
  let next = 0
  for (let t = 0; t < trees; t++) {
    // Partial Fisher–Yates over a pool that stays a permutation: ψ rows without replacement.
    for (let i = 0; i < psi; i++) {
      const j = i + Math.floor(options.random() * (pool.length - i))
      const picked = pool[j]!
      pool[j] = pool[i]!
      pool[i] = picked
      sample[i] = picked
    }
    roots[t] = next
    next = grow(data, cols, sample, heightLimit, options.random, nodes, next, work)
  }
  return {
    cols,
    sampleSize: psi,
    heightLimit,
    roots,
    feature: nodes.feature.slice(0, next),
    threshold: nodes.threshold.slice(0, next),
    child: nodes.child.slice(0, next),
    size: nodes.size.slice(0, next),
    degenerate: psi < 2 ? "too-few" : isConstant(rows) ? "constant" : undefined
  }
}

const isConstant = ({ cols, data, rows }: Matrix): boolean => {
  for (let r = 1; r < rows; r++) for (let f = 0; f < cols; f++) if (data[r * cols + f] !== data[f]) return false
  return true
}

const checkWidth = (forest: Forest, rows: Matrix, fn: string) => {
  if (rows.rows > 0 && rows.cols !== forest.cols) {
    throw new RangeError(`IsolationForest.${fn}: the forest was fitted on ${forest.cols} features, these rows have ${rows.cols}`)
  }
}

/**
 * Anomaly score s(x) = 2^(−E[h(x)] / c(ψ)) of every row, in (0, 1]: E[h] is
 * the mean over trees of the path length (edges to the external node, plus
 * c(n) for the n training rows that ended there). Near 1: isolated much
 * faster than average, an anomaly; about 0.5 or below: ordinary. A degenerate
 * forest scores every row 0.5. Scoring the training rows themselves is how
 * the paper (and scikit-learn's reference numbers) evaluate.
 * Throws `RangeError` if the rows' width differs from the forest's (a
 * programming error: build both from the same feature list). O(rows · t · ψ-depth).
 */
export const score = (forest: Forest, rows: Matrix): Float64Array => {
  checkWidth(forest, rows, "score")
  const out = new Float64Array(rows.rows)
  const norm = c(forest.sampleSize)
  if (forest.degenerate !== undefined || norm === 0) return out.fill(0.5)
  const cTable = averagePathLengths(forest.sampleSize)
  const { child, cols, feature, roots, size, threshold } = forest
  const { data } = rows
  const trees = roots.length
  // Tree by tree (its few hundred nodes stay in cache), every row's path length summed into `out`.
  const n = rows.rows
  for (let t = 0; t < trees; t++) {
    const root = roots[t]!
    const rootFeature = feature[root]!
    for (let r = 0; r < n; r++) {
      const base = r * cols
      let node = root
      let depth = 0
      let f = rootFeature
      while (f >= 0) {
        node = data[base + f]! <= threshold[node]! ? child[node]! : child[node]! + 1
        f = feature[node]!
        depth++
      }
      out[r] = out[r]! + (depth + cTable[size[node]!]!)
    }
  }
  const scale = -1 / trees / norm
  for (let r = 0; r < n; r++) out[r] = Math.pow(2, out[r]! * scale)
  return out
}

/**
 * Which features isolate these rows, as an exact split of "how much shorter
 * than expected" their paths are. At a split node holding n training rows the
 * expected remaining path is c(n); after the row steps into the child holding
 * m rows it is 1 + c(m). The difference c(n) − 1 − c(m) is credited to the
 * node's split feature: positive when the step isolated the row faster than
 * an average row (it went to the small side), negative when it went with the
 * crowd. Along a path these credits telescope to c(ψ) − h(x), so
 *
 *   Σ_f contribution[f] = c(ψ) − mean over rows and trees of h(x),
 *
 * and for a single row s(x) = 2^(Σ_f contribution[f] / c(ψ) − 1). Returned
 * per feature (length `forest.cols`): the credits averaged over the given rows
 * and the trees, in path-length units (edges). The largest entries name the
 * features that set the rows apart most. On the training rows themselves the
 * sum is usually a little negative (most rows take longer than c(ψ): about
 * −1.7 to −2.7 on the reference sets), so to explain a candidate, subtract the
 * baseline's contributions from the candidate's, feature by feature. All
 * zeros for no rows or a degenerate forest. Throws `RangeError` on a width
 * mismatch, like {@link score}. Same cost as {@link score}.
 */
export const featureContributions = (forest: Forest, rows: Matrix): Float64Array => {
  checkWidth(forest, rows, "featureContributions")
  const out = new Float64Array(forest.cols)
  if (rows.rows === 0 || forest.degenerate !== undefined) return out
  const cTable = averagePathLengths(forest.sampleSize)
  const { child, cols, feature, roots, size, threshold } = forest
  const { data } = rows
  const trees = roots.length
  for (let t = 0; t < trees; t++) {
    const root = roots[t]!
    for (let r = 0; r < rows.rows; r++) {
      const base = r * cols
      let node = root
      let f = feature[node]!
      while (f >= 0) {
        const next = data[base + f]! <= threshold[node]! ? child[node]! : child[node]! + 1
        out[f] = out[f]! + (cTable[size[node]!]! - 1 - cTable[size[next]!]!)
        node = next
        f = feature[node]!
      }
    }
  }
  const scale = 1 / (rows.rows * trees)
  for (let f = 0; f < out.length; f++) out[f] = out[f]! * scale
  return out
}

/**
 * c(n) = 2H(n − 1) − 2(n − 1)/n, H(i) ≈ ln i + 0.5772156649 (Euler's γ): the
 * average path length of an unsuccessful search in a binary search tree of n
 * keys, which normalises path lengths into scores. c(2) = 1, c(1) = c(0) = 0.
 */
export const averagePathLength = (n: number): number => c(n)
