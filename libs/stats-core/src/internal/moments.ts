/** Mean and unbiased variance by two passes (as NumPy's `var(ddof=1)`), for batch tests. */
export const meanAndVariance = (values: Float64Array): { readonly mean: number; readonly variance: number } => {
  const n = values.length
  let sum = 0
  for (let i = 0; i < n; i++) sum += values[i]!
  const mean = sum / n
  let ss = 0
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean
    ss += d * d
  }
  return { mean, variance: n > 1 ? ss / (n - 1) : NaN }
}
