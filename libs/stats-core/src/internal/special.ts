/**
 * Special functions in double precision: log-gamma, Loader's saddle-point
 * pieces (stirlerr, bd0) for binomial and Poisson densities without
 * cancellation, and the regularized incomplete beta and gamma functions by
 * continued fractions. Private: the public, documented surface is
 * `Distributions.ts`.
 */

const LN_SQRT_2PI = 0.9189385332046728
const LN_2PI = 2 * LN_SQRT_2PI
const EPS = 2.220446049250313e-16
const TINY = 1e-300

/** ln Γ(x) for x > 0: Stirling's series above 10, shifted down by recurrence below. */
export const logGamma = (x: number): number => {
  if (Number.isNaN(x) || x <= 0) return x === 0 ? Infinity : NaN
  if (x === Infinity) return Infinity
  let shift = 0
  let z = x
  if (z < 10) {
    let product = 1
    while (z < 10) {
      product *= z
      z += 1
    }
    shift = Math.log(product)
  }
  const inv = 1 / z
  const inv2 = inv * inv
  const series =
    inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 * (1 / 1188 - inv2 * (691 / 360360))))))
  return (z - 0.5) * Math.log(z) - z + LN_SQRT_2PI + series - shift
}

/** ln Γ(x+1) - ((x+½) ln x - x + ln √(2π)): the error of Stirling's formula for x!. */
export const stirlerr = (n: number): number => {
  if (n <= 15) {
    if (n === 0) return 0
    return logGamma(n + 1) - (n + 0.5) * Math.log(n) + n - LN_SQRT_2PI
  }
  const nn = n * n
  if (n > 500) return (1 / 12 - 1 / 360 / nn) / n
  if (n > 80) return (1 / 12 - (1 / 360 - 1 / 1260 / nn) / nn) / n
  if (n > 35) return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / 1680 / nn) / nn) / nn) / n
  return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / 1188 / nn) / nn) / nn) / nn) / n
}

/** x ln(x/np) + np - x, computed without cancellation when x ≈ np (Loader 2000). */
export const bd0 = (x: number, np: number): number => {
  if (Math.abs(x - np) < 0.1 * (x + np)) {
    let v = (x - np) / (x + np)
    let s = (x - np) * v
    let ej = 2 * x * v
    v = v * v
    for (let j = 1; j < 1000; j++) {
      ej *= v
      const s1 = s + ej / (2 * j + 1)
      if (s1 === s) return s1
      s = s1
    }
    return s
  }
  return x * Math.log(x / np) + np - x
}

/**
 * Binomial density at real `x` of `n` trials, success `p`, failure `q = 1 - p`
 * (passed separately so that callers keep the precision of the smaller one).
 */
export const binomialDensity = (x: number, n: number, p: number, q: number): number => {
  if (p === 0) return x === 0 ? 1 : 0
  if (q === 0) return x === n ? 1 : 0
  if (x === 0) {
    if (n === 0) return 1
    return Math.exp(p < 0.1 ? -bd0(n, n * q) - n * p : n * Math.log(q))
  }
  if (x === n) return Math.exp(q < 0.1 ? -bd0(n, n * p) - n * q : n * Math.log(p))
  if (x < 0 || x > n) return 0
  const lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n * p) - bd0(n - x, n * q)
  const lf = LN_2PI + Math.log(x) + Math.log1p(-x / n)
  return Math.exp(lc - 0.5 * lf)
}

/** Poisson density λ^x e^{-λ} / Γ(x+1) at real x ≥ 0. */
export const poissonDensity = (x: number, lambda: number): number => {
  if (lambda === 0) return x === 0 ? 1 : 0
  if (!Number.isFinite(lambda) || x < 0) return 0
  if (x <= lambda * Number.MIN_VALUE) return Math.exp(-lambda)
  if (lambda < x * Number.MIN_VALUE) return Math.exp(-lambda + x * Math.log(lambda) - logGamma(x + 1))
  return Math.exp(-stirlerr(x) - bd0(x, lambda)) / Math.sqrt(2 * Math.PI * x)
}

/** Continued fraction for I_x(a, b) (Numerical Recipes `betacf`, modified Lentz). */
const betaContinuedFraction = (a: number, b: number, x: number): number => {
  const qab = a + b
  const qap = a + 1
  const qam = a - 1
  let c = 1
  let d = 1 - (qab * x) / qap
  if (Math.abs(d) < TINY) d = TINY
  d = 1 / d
  let h = d
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < TINY) d = TINY
    c = 1 + aa / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2))
    d = 1 + aa * d
    if (Math.abs(d) < TINY) d = TINY
    c = 1 + aa / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < EPS) break
  }
  return h
}

/** Both tails of a probability, each computed where it is accurate. */
export interface Tails {
  readonly lower: number
  readonly upper: number
}

/**
 * Regularized incomplete beta I_x(a, b) and its complement, for a, b > 0 and
 * x in [0, 1] with y = 1 - x given separately. The tail nearer zero is
 * computed directly, the other as its complement.
 */
export const incompleteBeta = (a: number, b: number, x: number, y: number): Tails => {
  if (x <= 0) return { lower: 0, upper: 1 }
  if (y <= 0) return { lower: 1, upper: 0 }
  if (x < (a + 1) / (a + b + 2)) {
    // x^a y^b / B(a, b) = binomialDensity(a; a+b, x) * a b / (a + b)
    const front = (binomialDensity(a, a + b, x, y) * b) / (a + b)
    const lower = front * betaContinuedFraction(a, b, x)
    return { lower, upper: 1 - lower }
  }
  const front = (binomialDensity(b, a + b, y, x) * a) / (a + b)
  const upper = front * betaContinuedFraction(b, a, y)
  return { lower: 1 - upper, upper }
}

/**
 * Regularized incomplete gamma P(a, x) (lower) and Q(a, x) (upper) for a > 0,
 * x >= 0: series below a + 1, continued fraction above.
 */
export const incompleteGamma = (a: number, x: number): Tails => {
  if (x <= 0) return { lower: 0, upper: 1 }
  if (x === Infinity) return { lower: 1, upper: 0 }
  // x^a e^{-x} / Γ(a) = a * poissonDensity(a, x)
  const front = a * poissonDensity(a, x)
  if (x < a + 1) {
    let ap = a
    let del = 1 / a
    let sum = del
    for (let n = 1; n <= 100_000; n++) {
      ap += 1
      del *= x / ap
      sum += del
      if (Math.abs(del) < Math.abs(sum) * EPS) break
    }
    const lower = sum * front
    return { lower, upper: 1 - lower }
  }
  let b = x + 1 - a
  let c = 1 / TINY
  let d = 1 / b
  let h = d
  for (let i = 1; i <= 100_000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < TINY) d = TINY
    c = b + an / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < EPS) break
  }
  const upper = front * h
  return { lower: 1 - upper, upper }
}
