/**
 * Brent's root finder exactly as R's `R_zeroin2` (src/library/stats/src/zeroin.c),
 * which `uniroot` calls. Reproducing its iterates step for step is what makes
 * the asymptotic Hodges–Lehmann interval agree with R's `wilcox.test` (and so
 * with Kayenta) to the last digits, even though the function it solves is a
 * step function and the answer depends on where the iterations land.
 */

const EPSILON = 2.220446049250313e-16

/**
 * A root of `f` in [ax, bx] given f(ax) = fa and f(bx) = fb of opposite signs,
 * to within `tol` (absolute), after at most `maxIterations` evaluations.
 */
export const zeroin = (
  ax: number,
  bx: number,
  fa: number,
  fb: number,
  f: (x: number) => number,
  tol: number,
  maxIterations: number
): number => {
  let a = ax
  let b = bx
  let c = a
  let fc = fa
  let maxit = maxIterations + 1
  if (fa === 0) return a
  if (fb === 0) return b
  while (maxit--) {
    const prevStep = b - a
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b
      b = c
      c = a
      fa = fb
      fb = fc
      fc = fa
    }
    const tolAct = 2 * EPSILON * Math.abs(b) + tol / 2
    let newStep = (c - b) / 2
    if (Math.abs(newStep) <= tolAct || fb === 0) return b
    if (Math.abs(prevStep) >= tolAct && Math.abs(fa) > Math.abs(fb)) {
      let p: number
      let q: number
      const cb = c - b
      if (a === c) {
        const t1 = fb / fa
        p = cb * t1
        q = 1 - t1
      } else {
        q = fa / fc
        const t1 = fb / fc
        const t2 = fb / fa
        p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1))
        q = (q - 1) * (t1 - 1) * (t2 - 1)
      }
      if (p > 0) q = -q
      else p = -p
      if (p < 0.75 * cb * q - Math.abs(tolAct * q) / 2 && p < Math.abs((prevStep * q) / 2)) newStep = p / q
    }
    if (Math.abs(newStep) < tolAct) newStep = newStep > 0 ? tolAct : -tolAct
    a = b
    fa = fb
    b += newStep
    fb = f(b)
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a
      fc = fa
    }
  }
  return b
}
