/**
 * The gradient-boosted trees learner: `z = baseScore + Σ tree(x)` on
 * untransformed features, trees grown on histograms of log-loss gradients
 * (`../gbdt.ts`); contributions by Saabas paths.
 */
import { decodeInput } from "../decode.ts"
import { fitGbdt } from "../gbdt.ts"
import type { Learner } from "./learner.ts"
import { GbdtModel, header, invalidModel } from "./schema.ts"

/** The gradient-boosted trees learner. */
export const gbdt: Learner<GbdtModel> = {
  kind: "gbdt",

  decode: decodeInput(GbdtModel, "InvalidModel", "model"),

  check: (model) => {
    const d = model.features.length
    for (let t = 0; t < model.trees.length; t++) {
      const tree = model.trees[t]!
      const m = tree.feature.length
      const field = `trees[${t}]`
      if (m === 0) return invalidModel(`model: ${field} has no nodes`, field)
      for (const key of ["threshold", "left", "right", "value", "cover"] as const) {
        if (tree[key].length !== m) return invalidModel(`model: ${field}.${key} has ${tree[key].length} entries for ${m} nodes`, `${field}.${key}`)
      }
      for (let k = 0; k < m; k++) {
        const f = tree.feature[k]!
        if (f === -1) continue
        if (f >= d) return invalidModel(`model: ${field} node ${k} splits on feature ${f}, but there are ${d} features`, field)
        const l = tree.left[k]!
        const r = tree.right[k]!
        // children come after their parent: no cycles, every walk ends at a leaf
        if (!(l > k && l < m && r > k && r < m)) return invalidModel(`model: ${field} node ${k} has invalid children`, field)
      }
    }
    return undefined
  },

  score: (model, x, offset = 0) => {
    let z = model.baseScore
    for (const tree of model.trees) {
      let node = 0
      while (tree.feature[node]! !== -1) {
        node = x[offset + tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!
      }
      z += tree.value[node]!
    }
    return z
  },

  scoreMatrix: (model, X, n) => {
    const d = model.features.length
    const out = new Float64Array(n)
    // all trees packed into flat typed arrays; rows in cache-sized blocks so each
    // block of the (large, row-major) matrix is read once for every tree
    let nodes = 0
    for (const tree of model.trees) nodes += tree.feature.length
    const feature = new Int32Array(nodes)
    const threshold = new Float64Array(nodes)
    const left = new Int32Array(nodes)
    const right = new Int32Array(nodes)
    const value = new Float64Array(nodes)
    const roots = new Int32Array(model.trees.length)
    let at = 0
    model.trees.forEach((tree, t) => {
      roots[t] = at
      for (let k = 0; k < tree.feature.length; k++) {
        feature[at + k] = tree.feature[k]!
        threshold[at + k] = tree.threshold[k]!
        left[at + k] = at + tree.left[k]!
        right[at + k] = at + tree.right[k]!
        value[at + k] = tree.value[k]!
      }
      at += tree.feature.length
    })
    let adjacent = true
    for (let k = 0; k < nodes && adjacent; k++) if (feature[k] !== -1 && right[k] !== left[k]! + 1) adjacent = false
    out.fill(model.baseScore)
    const block = 256
    for (let start = 0; start < n; start += block) {
      const end = Math.min(n, start + block)
      for (let t = 0; t < roots.length; t++) {
        const root = roots[t]!
        if (adjacent) {
          // right child = left child + 1: step without a data-dependent branch
          for (let i = start; i < end; i++) {
            const row = i * d
            let node = root
            let f = feature[node]!
            while (f !== -1) {
              node = left[node]! + Number(X[row + f]! > threshold[node]!)
              f = feature[node]!
            }
            out[i] = out[i]! + value[node]!
          }
        } else {
          for (let i = start; i < end; i++) {
            const row = i * d
            let node = root
            let f = feature[node]!
            while (f !== -1) {
              node = X[row + f]! <= threshold[node]! ? left[node]! : right[node]!
              f = feature[node]!
            }
            out[i] = out[i]! + value[node]!
          }
        }
      }
    }
    return out
  },

  contributions: (model, x) => {
    const contributions = new Float64Array(model.features.length)
    for (const tree of model.trees) {
      let node = 0
      while (tree.feature[node]! !== -1) {
        const f = tree.feature[node]!
        const next = x[f]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!
        contributions[f] = contributions[f]! + tree.value[next]! - tree.value[node]!
        node = next
      }
    }
    return contributions
  },

  params: (o) => ({
    trees: o.trees,
    depth: o.depth,
    learningRate: o.learningRate,
    subsample: o.subsample,
    featureFraction: o.featureFraction,
    minChildWeight: o.minChildWeight,
    bins: o.bins,
    earlyStoppingRounds: o.earlyStoppingRounds
  }),

  // the early-stopped tree count, scaled by the row ratio
  refitTrees: (model, _settings, rows, fitRows) => Math.max(1, Math.round((model.trees.length * rows) / fitRows)),

  fit: ({ derived, features, params, rows, settings: o, training, trees, validation, weights }) => {
    const result = fitGbdt(
      rows.X,
      rows.y,
      rows.n,
      features.length,
      {
        trees,
        depth: o.depth,
        learningRate: o.learningRate,
        l2: o.l2,
        minChildWeight: o.minChildWeight,
        subsample: o.subsample,
        featureFraction: o.featureFraction,
        bins: o.bins,
        earlyStoppingRounds: validation !== undefined ? o.earlyStoppingRounds : 0,
        seed: o.seed
      },
      validation,
      weights
    )
    params["treesKept"] = result.trees.length
    return {
      ...header("gbdt", features, derived, features.map(() => "none" as const), training),
      baseScore: result.baseScore,
      trees: result.trees.map((t) => ({ ...t }))
    }
  }
}
