/**
 * The Isolation Forest's trees, stored flat: every tree of a forest lives in
 * the same typed arrays, one slot per node, and a split node's two children
 * are allocated side by side (left at `child[node]`, right at `child[node] + 1`).
 * Nothing is allocated per node; fitting one tree reuses the caller's scratch.
 */
import type { Uniform } from "../Random.ts"

const EULER_GAMMA = 0.5772156649015329

/**
 * c(n): the average path length of an unsuccessful search in a binary search
 * tree of n keys (Liu, Ting & Zhou 2008, eq. 1), which is the expected depth
 * an isolation tree would still add below an external node holding n training
 * rows. c(n) = 2H(n − 1) − 2(n − 1)/n with H(i) ≈ ln i + γ; c(2) = 1 exactly
 * (the approximation is poor there); c(1) = c(0) = 0.
 */
export const averagePathLength = (n: number): number => {
  if (n <= 1) return 0
  if (n === 2) return 1
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n
}

/** c(0), c(1), …, c(n) in one table. */
export const averagePathLengths = (n: number): Float64Array => {
  const out = new Float64Array(n + 1)
  for (let i = 0; i <= n; i++) out[i] = averagePathLength(i)
  return out
}

/** The node arrays of a whole forest (see the module comment). */
export interface Nodes {
  /** Split attribute, −1 for an external node. */
  readonly feature: Int32Array
  /** Split value: a row goes left when its value is ≤ this. */
  readonly threshold: Float64Array
  /** Index of the left child (the right one follows it); −1 for an external node. */
  readonly child: Int32Array
  /** How many of the tree's training rows reached the node. */
  readonly size: Int32Array
}

/** Scratch reused for every tree of one fit. */
export interface Scratch {
  readonly low: Float64Array
  readonly high: Float64Array
  readonly splittable: Int32Array
  readonly stackNode: Int32Array
  readonly stackStart: Int32Array
  readonly stackEnd: Int32Array
  readonly stackDepth: Int32Array
}

/** Scratch for trees of up to `maxNodes` nodes over `cols` features. */
export const scratch = (cols: number, maxNodes: number): Scratch => ({
  low: new Float64Array(cols),
  high: new Float64Array(cols),
  splittable: new Int32Array(cols),
  stackNode: new Int32Array(maxNodes),
  stackStart: new Int32Array(maxNodes),
  stackEnd: new Int32Array(maxNodes),
  stackDepth: new Int32Array(maxNodes)
})

/**
 * Grows one isolation tree on the rows listed in `sample` (which it reorders)
 * into `nodes` from slot `root`; returns the first free slot after it.
 *
 * A node becomes external when it holds at most one row, reaches
 * `heightLimit`, or no attribute varies within it. Otherwise the split
 * attribute is drawn uniformly among the attributes that vary within the node
 * (one draw), and the split value uniformly in [min, max) of that attribute
 * (one draw; rounding up to max falls back to min, so both sides are never
 * empty). Drawing among varying attributes only makes a constant column cost
 * nothing: the trees, and so every score, are the same with or without it.
 */
export const grow = (
  data: Float64Array,
  cols: number,
  sample: Int32Array,
  heightLimit: number,
  random: Uniform,
  nodes: Nodes,
  root: number,
  work: Scratch
): number => {
  const { child, feature, size, threshold } = nodes
  const { high, low, splittable, stackDepth, stackEnd, stackNode, stackStart } = work
  let next = root + 1
  let top = 0
  stackNode[0] = root
  stackStart[0] = 0
  stackEnd[0] = sample.length
  stackDepth[0] = 0
  top = 1
  while (top > 0) {
    top--
    const node = stackNode[top]!
    const start = stackStart[top]!
    const end = stackEnd[top]!
    const depth = stackDepth[top]!
    size[node] = end - start
    feature[node] = -1
    child[node] = -1
    threshold[node] = 0
    if (end - start <= 1 || depth >= heightLimit) continue

    // Range of every attribute within the node.
    let base = sample[start]! * cols
    for (let f = 0; f < cols; f++) low[f] = high[f] = data[base + f]!
    for (let i = start + 1; i < end; i++) {
      base = sample[i]! * cols
      for (let f = 0; f < cols; f++) {
        const v = data[base + f]!
        if (v < low[f]!) low[f] = v
        else if (v > high[f]!) high[f] = v
      }
    }
    let varying = 0
    for (let f = 0; f < cols; f++) if (high[f]! > low[f]!) splittable[varying++] = f
    if (varying === 0) continue

    const f = splittable[Math.floor(random() * varying)]!
    const min = low[f]!
    const max = high[f]!
    let split = min + random() * (max - min)
    if (!(split < max)) split = min

    // Partition: values ≤ split to the front.
    let i = start
    let j = end - 1
    while (i <= j) {
      if (data[sample[i]! * cols + f]! <= split) i++
      else {
        const t = sample[i]!
        sample[i] = sample[j]!
        sample[j] = t
        j--
      }
    }

    const left = next
    next += 2
    feature[node] = f
    threshold[node] = split
    child[node] = left
    stackNode[top] = left + 1
    stackStart[top] = i
    stackEnd[top] = end
    stackDepth[top] = depth + 1
    top++
    stackNode[top] = left
    stackStart[top] = start
    stackEnd[top] = i
    stackDepth[top] = depth + 1
    top++
  }
  return next
}
