/**
 * Solve `A x = b` for a symmetric positive definite `A` (row-major, k×k) by
 * Cholesky decomposition. A small ridge is added to the diagonal when a
 * pivot is not positive (a nearly singular Hessian).
 */
export const solveSpd = (A: Float64Array, b: Float64Array, k: number): Float64Array => {
  let jitter = 0
  for (let attempt = 0; attempt < 8; attempt++) {
    const L = new Float64Array(k * k)
    let okay = true
    for (let i = 0; i < k && okay; i++) {
      for (let j = 0; j <= i; j++) {
        let sum = A[i * k + j]! + (i === j ? jitter : 0)
        for (let m = 0; m < j; m++) sum -= L[i * k + m]! * L[j * k + m]!
        if (i === j) {
          if (!(sum > 0)) {
            okay = false
            break
          }
          L[i * k + i] = Math.sqrt(sum)
        } else L[i * k + j] = sum / L[j * k + j]!
      }
    }
    if (okay) {
      const z = new Float64Array(k)
      for (let i = 0; i < k; i++) {
        let sum = b[i]!
        for (let m = 0; m < i; m++) sum -= L[i * k + m]! * z[m]!
        z[i] = sum / L[i * k + i]!
      }
      const x = new Float64Array(k)
      for (let i = k - 1; i >= 0; i--) {
        let sum = z[i]!
        for (let m = i + 1; m < k; m++) sum -= L[m * k + i]! * x[m]!
        x[i] = sum / L[i * k + i]!
      }
      return x
    }
    let scale = 0
    for (let i = 0; i < k; i++) scale = Math.max(scale, Math.abs(A[i * k + i]!))
    jitter = jitter === 0 ? Math.max(scale, 1) * 1e-10 : jitter * 100
  }
  return new Float64Array(k)
}
