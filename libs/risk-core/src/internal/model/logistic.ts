/**
 * The logistic learner: `z = intercept + Σ coefficients[j]·(t(x_j) −
 * mean[j]) / std[j]`, fitted by Newton/IRLS on standardized (optionally
 * log1p-transformed) features with an L2 penalty (`../logistic.ts`).
 */
import { decodeInput } from "../decode.ts"
import { fitLogistic } from "../logistic.ts"
import { signedLog1p } from "./features.ts"
import type { Learner } from "./learner.ts"
import { type FeatureTransform, header, invalidModel, LogisticModel } from "./schema.ts"

const log1pIfAsked = (model: LogisticModel, j: number, v: number): number => (model.transforms[j] === "log1p" ? signedLog1p(v) : v)

/** The logistic regression learner. */
export const logistic: Learner<LogisticModel> = {
  kind: "logistic",

  decode: decodeInput(LogisticModel, "InvalidModel", "model"),

  check: (model) => {
    const d = model.features.length
    if (model.coefficients.length !== d) return invalidModel(`model: ${model.coefficients.length} coefficients for ${d} features`, "coefficients")
    if (model.scaling.mean.length !== d || model.scaling.std.length !== d) {
      return invalidModel(`model: scaling must have ${d} means and ${d} standard deviations`, "scaling")
    }
    return undefined
  },

  score: (model, x, offset = 0) => {
    const d = model.features.length
    let z = model.intercept
    for (let j = 0; j < d; j++) {
      const v = log1pIfAsked(model, j, x[offset + j]!)
      z += (model.coefficients[j]! * (v - model.scaling.mean[j]!)) / model.scaling.std[j]!
    }
    return z
  },

  scoreMatrix: (model, X, n) => {
    const d = model.features.length
    const out = new Float64Array(n)
    // fold the scaling into the coefficients once
    const w = new Float64Array(d)
    let b = model.intercept
    for (let j = 0; j < d; j++) {
      w[j] = model.coefficients[j]! / model.scaling.std[j]!
      b -= w[j]! * model.scaling.mean[j]!
    }
    const log = model.transforms.map((t) => t === "log1p")
    for (let i = 0; i < n; i++) {
      let z = b
      const row = i * d
      for (let j = 0; j < d; j++) {
        const v = X[row + j]!
        z += w[j]! * (log[j] ? (v >= 0 ? Math.log1p(v) : -Math.log1p(-v)) : v)
      }
      out[i] = z
    }
    return out
  },

  contributions: (model, x) => {
    const d = model.features.length
    const contributions = new Float64Array(d)
    for (let j = 0; j < d; j++) {
      const v = log1pIfAsked(model, j, x[j]!)
      contributions[j] = (model.coefficients[j]! * (v - model.scaling.mean[j]!)) / model.scaling.std[j]!
    }
    return contributions
  },

  params: () => ({}),

  refitTrees: (_model, settings) => settings.trees,

  fit: ({ derived, features, params, rows, settings, training, transforms: transformOption, weights }) => {
    const d = features.length
    const transforms: Array<FeatureTransform> = features.map((name, j) => {
      const t = transformOption ?? "auto"
      if (t === "none" || t === "log1p") return t
      if (typeof t === "object") return t[name] ?? "none"
      let min = Number.POSITIVE_INFINITY
      let max = Number.NEGATIVE_INFINITY
      for (let i = 0; i < rows.n; i++) {
        const v = rows.X[i * d + j]!
        if (v < min) min = v
        if (v > max) max = v
      }
      return min >= 0 && max > 1 ? "log1p" : "none"
    })
    const mean = new Float64Array(d)
    const std = new Float64Array(d)
    const Z = new Float64Array(rows.n * d)
    for (let j = 0; j < d; j++) {
      const log = transforms[j] === "log1p"
      let sum = 0
      for (let i = 0; i < rows.n; i++) {
        const v = log ? signedLog1p(rows.X[i * d + j]!) : rows.X[i * d + j]!
        Z[i * d + j] = v
        sum += v
      }
      const mu = sum / rows.n
      let ss = 0
      for (let i = 0; i < rows.n; i++) ss += (Z[i * d + j]! - mu) ** 2
      const sigma = Math.sqrt(ss / rows.n)
      mean[j] = mu
      std[j] = sigma > 1e-12 ? sigma : 1
      for (let i = 0; i < rows.n; i++) Z[i * d + j] = (Z[i * d + j]! - mu) / std[j]!
    }
    const result = fitLogistic(Z, rows.y, rows.n, d, settings.l2, weights)
    params["iterations"] = result.iterations
    params["converged"] = result.converged
    return {
      ...header("logistic", features, derived, transforms, training),
      scaling: { mean: [...mean], std: [...std] },
      intercept: result.intercept,
      coefficients: [...result.coefficients]
    }
  }
}
