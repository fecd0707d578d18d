import { fc, test } from "@fast-check/vitest"
import { describe, expect, it, vi } from "vitest"
import * as IsolationForest from "../src/IsolationForest.ts"
import { mulberry32, type Uniform } from "../src/Random.ts"
import { normals } from "./support/random.ts"

const GAMMA = 0.5772156649015329

const matrix = (rows: ReadonlyArray<ReadonlyArray<number>>): IsolationForest.Matrix => {
  const result = IsolationForest.Matrix.fromRows(rows)
  if (result._tag === "Invalid") throw new Error(result.error.message)
  return result.matrix
}

const median = (values: ArrayLike<number>): number => {
  const sorted = Float64Array.from(values).sort()
  const n = sorted.length
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2
}

/** Rows of `cols` values; few distinct values, so ties and constant nodes are common. */
const rowsArb = (minRows = 0) =>
  fc.integer({ min: 1, max: 5 }).chain((cols) =>
    fc.array(fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { minLength: cols, maxLength: cols }), {
      minLength: minRows,
      maxLength: 60
    })
  )

const forestOptions = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  trees: fc.integer({ min: 1, max: 30 }),
  sampleSize: fc.integer({ min: 1, max: 64 })
})

/**
 * The paper's algorithm written the plain way (recursive, one object per
 * node), drawing the same random numbers in the same order: the flat forest
 * must give exactly its scores.
 */
const naiveScores = (rows: ReadonlyArray<ReadonlyArray<number>>, trees: number, sampleSize: number, random: Uniform, score: ReadonlyArray<ReadonlyArray<number>>) => {
  type Tree = { readonly size: number } | { readonly feature: number; readonly split: number; readonly left: Tree; readonly right: Tree }
  const cols = rows[0]?.length ?? 0
  const psi = Math.min(sampleSize, rows.length)
  const limit = psi <= 1 ? 0 : Math.ceil(Math.log2(psi))
  const grow = (xs: ReadonlyArray<ReadonlyArray<number>>, depth: number): Tree => {
    if (depth >= limit || xs.length <= 1) return { size: xs.length }
    const varying: Array<number> = []
    for (let f = 0; f < cols; f++) if (Math.min(...xs.map((x) => x[f]!)) < Math.max(...xs.map((x) => x[f]!))) varying.push(f)
    if (varying.length === 0) return { size: xs.length }
    const feature = varying[Math.floor(random() * varying.length)]!
    const min = Math.min(...xs.map((x) => x[feature]!))
    const max = Math.max(...xs.map((x) => x[feature]!))
    let split = min + random() * (max - min)
    if (!(split < max)) split = min
    const left = grow(xs.filter((x) => x[feature]! <= split), depth + 1)
    const right = grow(xs.filter((x) => x[feature]! > split), depth + 1)
    return { feature, split, left, right }
  }
  const pool = rows.map((_, i) => i)
  const forest: Array<Tree> = []
  for (let t = 0; t < trees; t++) {
    for (let i = 0; i < psi; i++) {
      const j = i + Math.floor(random() * (pool.length - i))
      ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
    }
    forest.push(grow(pool.slice(0, psi).map((i) => rows[i]!), 0))
  }
  const c = (n: number) => (n <= 1 ? 0 : n === 2 ? 1 : 2 * (Math.log(n - 1) + GAMMA) - (2 * (n - 1)) / n)
  const path = (x: ReadonlyArray<number>, tree: Tree, depth: number): number =>
    "size" in tree ? depth + c(tree.size) : path(x, x[tree.feature]! <= tree.split ? tree.left : tree.right, depth + 1)
  return score.map((x) => {
    if (c(psi) === 0) return 0.5
    let total = 0
    for (const tree of forest) total += path(x, tree, 0)
    return 2 ** (-total / trees / c(psi))
  })
}

describe("IsolationForest.averagePathLength (c(n))", () => {
  it("has the paper's edge cases: c(0) = c(1) = 0, c(2) = 1, c(n) = 2H(n − 1) − 2(n − 1)/n above", () => {
    expect(IsolationForest.averagePathLength(0)).toBe(0)
    expect(IsolationForest.averagePathLength(1)).toBe(0)
    expect(IsolationForest.averagePathLength(2)).toBe(1)
    expect(IsolationForest.averagePathLength(3)).toBeCloseTo(2 * (Math.log(2) + 0.5772156649) - 4 / 3, 9)
    // scikit-learn's _average_path_length(256) = 10.244770920116851
    expect(IsolationForest.averagePathLength(256)).toBeCloseTo(10.244770920116851, 9)
  })

  test.prop([fc.integer({ min: 1, max: 100_000 })])("is increasing in n", (n) => {
    expect(IsolationForest.averagePathLength(n + 1)).toBeGreaterThan(IsolationForest.averagePathLength(n))
  })
})

describe("IsolationForest.Matrix", () => {
  it("builds a row-major matrix from rows, and the empty 0 × 0 matrix from []", () => {
    const m = matrix([
      [1, 2, 3],
      [4, 5, 6]
    ])
    expect([m.rows, m.cols, Array.from(m.data)]).toEqual([2, 3, [1, 2, 3, 4, 5, 6]])
    const empty = matrix([])
    expect([empty.rows, empty.cols, empty.data.length]).toEqual([0, 0, 0])
  })

  it("returns (never throws) a MatrixError naming the first bad position", () => {
    expect(IsolationForest.Matrix.fromRows([[1, 2], [3]])).toEqual({
      _tag: "Invalid",
      error: { _tag: "MatrixError", reason: "ragged", row: 1, column: -1, message: "row 1 has 1 values, row 0 has 2" }
    })
    expect(IsolationForest.Matrix.fromRows([[1, 2], [3, NaN]])).toEqual({
      _tag: "Invalid",
      error: { _tag: "MatrixError", reason: "not-finite", row: 1, column: 1, message: "row 1, column 1 is NaN, not a finite number" }
    })
    const inf = IsolationForest.Matrix.fromRows([[Infinity]])
    expect(inf._tag === "Invalid" && inf.error.reason).toBe("not-finite")
    const fromData = IsolationForest.Matrix.fromData(2, 2, [1, 2, 3, -Infinity])
    expect(fromData._tag === "Invalid" && [fromData.error.reason, fromData.error.row, fromData.error.column]).toEqual(["not-finite", 1, 1])
    const short = IsolationForest.Matrix.fromData(2, 2, [1, 2, 3])
    expect(short._tag === "Invalid" && short.error).toMatchObject({ reason: "bad-shape", message: "2 × 2 needs 4 values, got 3" })
    const negative = IsolationForest.Matrix.fromData(-1, 2, [])
    expect(negative._tag === "Invalid" && negative.error.reason).toBe("bad-shape")
  })

  it("fromData copies its input, so the caller may reuse the buffer", () => {
    const buffer = new Float64Array([1, 2, 3, 4])
    const result = IsolationForest.Matrix.fromData(2, 2, buffer)
    buffer[0] = 99
    expect(result._tag === "Valid" && Array.from(result.matrix.data)).toEqual([1, 2, 3, 4])
  })

  test.prop([rowsArb()])("fromRows and fromData agree on valid input", (rows) => {
    const cols = rows[0]?.length ?? 0
    const a = IsolationForest.Matrix.fromRows(rows)
    const b = IsolationForest.Matrix.fromData(rows.length, cols, rows.flat())
    expect(a).toEqual(b)
  })
})

describe("IsolationForest.fit / score", () => {
  test.prop([rowsArb(1), forestOptions])("flat trees score exactly like the paper's recursive algorithm on the same draws", (rows, o) => {
    const forest = IsolationForest.fit(matrix(rows), { trees: o.trees, sampleSize: o.sampleSize, random: mulberry32(o.seed) })
    const probe = [...rows, rows[0]!.map((v) => v + 1e5), rows[0]!.map(() => 0)]
    const expected = naiveScores(rows, o.trees, o.sampleSize, mulberry32(o.seed), probe)
    const actual = IsolationForest.score(forest, matrix(probe))
    expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, 12))
  })

  test.prop([rowsArb(1), forestOptions])("trees are well formed: depth ≤ ⌈log₂ ψ⌉, children partition their parent, leaves hold the ψ rows", (rows, o) => {
    const forest = IsolationForest.fit(matrix(rows), { trees: o.trees, sampleSize: o.sampleSize, random: mulberry32(o.seed) })
    const psi = Math.min(o.sampleSize, rows.length)
    expect(forest.sampleSize).toBe(psi)
    expect(forest.roots.length).toBe(o.trees)
    expect(forest.feature.length).toBeLessThanOrEqual(o.trees * Math.max(1, 2 * psi - 1))
    for (const root of forest.roots) {
      let leafRows = 0
      const visit = (node: number, depth: number) => {
        expect(depth).toBeLessThanOrEqual(forest.heightLimit)
        const f = forest.feature[node]!
        if (f < 0) {
          leafRows += forest.size[node]!
          return
        }
        expect(f).toBeLessThan(forest.cols)
        const left = forest.child[node]!
        expect(forest.size[left]).toBeGreaterThan(0)
        expect(forest.size[left + 1]).toBeGreaterThan(0)
        expect(forest.size[left]! + forest.size[left + 1]!).toBe(forest.size[node])
        visit(left, depth + 1)
        visit(left + 1, depth + 1)
      }
      expect(forest.size[root]).toBe(psi)
      visit(root, 0)
      expect(leafRows).toBe(psi)
    }
  })

  test.prop([rowsArb(), forestOptions, fc.array(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 5, maxLength: 5 }), { maxLength: 10 })])(
    "every score is in (0, 1], for training rows and for rows far outside them",
    (rows, o, extra) => {
      const m = matrix(rows)
      const forest = IsolationForest.fit(m, { trees: o.trees, sampleSize: o.sampleSize, random: mulberry32(o.seed) })
      const probe = [...rows, ...extra.map((x) => x.slice(0, m.cols))]
      const scores = IsolationForest.score(forest, matrix(probe))
      expect(scores.length).toBe(probe.length)
      for (const s of scores) {
        expect(s).toBeGreaterThan(0)
        expect(s).toBeLessThanOrEqual(1)
      }
    }
  )

  test.prop([rowsArb(), forestOptions])("is deterministic: the same seed gives the same forest and scores", (rows, o) => {
    const m = matrix(rows)
    const a = IsolationForest.fit(m, { trees: o.trees, sampleSize: o.sampleSize, random: mulberry32(o.seed) })
    const b = IsolationForest.fit(m, { trees: o.trees, sampleSize: o.sampleSize, random: mulberry32(o.seed) })
    expect(b).toEqual(a)
    expect(IsolationForest.score(b, m)).toEqual(IsolationForest.score(a, m))
  })

  it("different seeds give different forests", () => {
    const next = normals(3)
    const m = matrix(Array.from({ length: 100 }, () => [next(), next()]))
    const a = IsolationForest.score(IsolationForest.fit(m, { random: mulberry32(1) }), m)
    const b = IsolationForest.score(IsolationForest.fit(m, { random: mulberry32(2) }), m)
    expect(a).not.toEqual(b)
  })

  test.prop([
    fc.integer({ min: 0, max: 2 ** 31 }),
    fc.integer({ min: 20, max: 300 }),
    fc.integer({ min: 1, max: 6 }),
    fc.double({ min: 20, max: 1e6, noNaN: true })
  ])("an obvious outlier far from a cluster scores above the cluster's median score", (seed, n, cols, distance) => {
    const next = normals(seed)
    const cluster = Array.from({ length: n }, () => Array.from({ length: cols }, () => next()))
    const outlier = Array.from({ length: cols }, () => distance)
    const m = matrix([...cluster, outlier])
    const scores = IsolationForest.score(IsolationForest.fit(m, { random: mulberry32(seed) }), m)
    expect(scores[n]).toBeGreaterThan(median(scores.subarray(0, n)))
  })

  it("ranks a far outlier first and scores it near 1 (seeded example)", () => {
    const next = normals(11)
    const cluster = Array.from({ length: 500 }, () => [10 + next(), 50 + 5 * next(), next()])
    const m = matrix([...cluster, [25, 10, 8]])
    const scores = IsolationForest.score(IsolationForest.fit(m, { random: mulberry32(11) }), m)
    expect(Math.max(...scores.subarray(0, 500))).toBeLessThan(scores[500]!)
    expect(scores[500]).toBeGreaterThan(0.75)
    expect(median(scores.subarray(0, 500))).toBeLessThan(0.5)
  })

  test.prop([rowsArb(1), forestOptions, fc.nat(), fc.double({ min: -1e6, max: 1e6, noNaN: true })])(
    "a constant column, inserted anywhere, changes no score and gets no contribution",
    (rows, o, at, value) => {
      const cols = rows[0]!.length
      const position = at % (cols + 1)
      const widened = rows.map((r) => [...r.slice(0, position), value, ...r.slice(position)])
      const options = { trees: o.trees, sampleSize: o.sampleSize }
      const plain = IsolationForest.fit(matrix(rows), { ...options, random: mulberry32(o.seed) })
      const wide = IsolationForest.fit(matrix(widened), { ...options, random: mulberry32(o.seed) })
      expect(IsolationForest.score(wide, matrix(widened))).toEqual(IsolationForest.score(plain, matrix(rows)))
      const contributions = Array.from(IsolationForest.featureContributions(wide, matrix(widened)))
      expect(contributions[position]).toBe(0)
      contributions.splice(position, 1)
      expect(contributions).toEqual(Array.from(IsolationForest.featureContributions(plain, matrix(rows))))
    }
  )

  test.prop([fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 2, max: 300 }), forestOptions])(
    "identical rows: every split is impossible, so each tree is one leaf and every score is 0.5",
    (row, n, o) => {
      const m = matrix(Array.from({ length: n }, () => row))
      const forest = IsolationForest.fit(m, { trees: o.trees, sampleSize: Math.max(2, o.sampleSize), random: mulberry32(o.seed) })
      expect(forest.degenerate).toBe("constant")
      expect(forest.feature.length).toBe(o.trees)
      expect(Array.from(forest.feature).every((f) => f === -1)).toBe(true)
      expect(Array.from(IsolationForest.score(forest, matrix([row, row.map((v) => v + 1)])))).toEqual([0.5, 0.5])
      expect(Array.from(IsolationForest.featureContributions(forest, m)).every((v) => v === 0)).toBe(true)
    }
  )

  it("fewer than two training rows: a degenerate forest that scores 0.5; no rows to score: an empty result", () => {
    const none = IsolationForest.fit(matrix([]), { random: mulberry32(1) })
    expect([none.degenerate, none.sampleSize, none.heightLimit]).toEqual(["too-few", 0, 0])
    expect(IsolationForest.score(none, matrix([])).length).toBe(0)
    const one = IsolationForest.fit(matrix([[1, 2]]), { random: mulberry32(1) })
    expect(one.degenerate).toBe("too-few")
    expect(Array.from(IsolationForest.score(one, matrix([[1, 2], [100, -100]])))).toEqual([0.5, 0.5])
    expect(IsolationForest.score(one, matrix([])).length).toBe(0)
  })

  it("two rows: ψ = 2, one split, every path has length 1 = c(2), so every score is exactly 0.5", () => {
    const m = matrix([[0], [1]])
    const forest = IsolationForest.fit(m, { trees: 10, random: mulberry32(5) })
    expect([forest.sampleSize, forest.heightLimit, forest.degenerate]).toEqual([2, 1, undefined])
    expect(Array.from(IsolationForest.score(forest, matrix([[0], [1], [-50], [0.5]])))).toEqual([0.5, 0.5, 0.5, 0.5])
  })

  it("rejects options that are not positive integers and rows of another width (programming errors, RangeError)", () => {
    const m = matrix([[1], [2], [3]])
    expect(() => IsolationForest.fit(m, { trees: 0, random: mulberry32(1) })).toThrow(RangeError)
    expect(() => IsolationForest.fit(m, { sampleSize: 2.5, random: mulberry32(1) })).toThrow(RangeError)
    const forest = IsolationForest.fit(m, { random: mulberry32(1) })
    expect(() => IsolationForest.score(forest, matrix([[1, 2]]))).toThrow("fitted on 1 features, these rows have 2")
    expect(() => IsolationForest.featureContributions(forest, matrix([[1, 2]]))).toThrow(RangeError)
  })

  it("draws randomness only from the Uniform it is given: ψ per tree, then two per split (never Math.random)", () => {
    const spy = vi.spyOn(Math, "random")
    let draws = 0
    const random = mulberry32(9)
    const counted: Uniform = () => {
      draws++
      return random()
    }
    const m = matrix(Array.from({ length: 50 }, (_, i) => [i % 7, i % 3]))
    const forest = IsolationForest.fit(m, { trees: 3, sampleSize: 16, random: counted })
    IsolationForest.score(forest, m)
    IsolationForest.featureContributions(forest, m)
    const splits = Array.from(forest.feature).filter((f) => f >= 0).length
    expect(splits).toBeGreaterThan(0)
    expect(draws).toBe(3 * 16 + 2 * splits)
    expect(spy).not.toHaveBeenCalled()
    spy.mockRestore()
  })
})

describe("IsolationForest.featureContributions", () => {
  test.prop([rowsArb(1), forestOptions])("sums to c(ψ) − E[h] = c(ψ)·(1 + mean log₂ s): the credits telescope along each path", (rows, o) => {
    const m = matrix(rows)
    const forest = IsolationForest.fit(m, { trees: o.trees, sampleSize: o.sampleSize, random: mulberry32(o.seed) })
    const total = IsolationForest.featureContributions(forest, m).reduce((a, b) => a + b, 0)
    if (forest.degenerate !== undefined) {
      expect(total).toBe(0)
      return
    }
    const c = IsolationForest.averagePathLength(forest.sampleSize)
    const scores = IsolationForest.score(forest, m)
    const meanLog = scores.reduce((a, s) => a + Math.log2(s), 0) / scores.length
    expect(total).toBeCloseTo(c * (1 + meanLog), 8)
  })

  it("names the feature that sets a row apart: an outlier in feature 2 alone gets the largest contribution there", () => {
    const next = normals(21)
    const cluster = Array.from({ length: 400 }, () => [next(), next(), next(), next()])
    const m = matrix(cluster)
    const forest = IsolationForest.fit(m, { random: mulberry32(21) })
    const candidate = IsolationForest.featureContributions(forest, matrix([[0.1, -0.2, 6, 0.3]]))
    const baseline = IsolationForest.featureContributions(forest, m)
    const lift = candidate.map((v, f) => v - baseline[f]!)
    expect(lift.indexOf(Math.max(...lift))).toBe(2)
    expect(candidate[2]).toBeGreaterThan(1)
    for (const f of [0, 1, 3]) expect(lift[2]).toBeGreaterThan(2 * lift[f]!)
  })

  it("is all zeros for no rows", () => {
    const forest = IsolationForest.fit(matrix([[1], [2], [3]]), { random: mulberry32(1) })
    expect(Array.from(IsolationForest.featureContributions(forest, matrix([])))).toEqual([0])
  })
})
