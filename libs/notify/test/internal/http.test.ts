import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { AttemptError, delayMs, retryAfterMs, shouldRetry } from "../../src/internal/http.ts"

const policy = { attempts: 3, maxWaitMs: 30_000, backoffMs: 1_000 }

describe("retry policy", () => {
  it("Retry-After as seconds or an HTTP date; absent or unreadable is undefined", () => {
    expect(retryAfterMs("7", 0)).toBe(7_000)
    expect(retryAfterMs("Sun, 06 Dec 2026 10:00:30 GMT", Date.UTC(2026, 11, 6, 10, 0, 0))).toBe(30_000)
    expect(retryAfterMs(null, 0)).toBeUndefined()
    expect(retryAfterMs("soon", 0)).toBeUndefined()
  })

  it("property: a wait is the Retry-After when given (never less), else the doubled backoff, never beyond the cap", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.option(fc.integer({ min: 0, max: 30_000 }), { nil: undefined }), (retry, hint) => {
        const wait = delayMs(policy, retry, hint)
        expect(wait).toBeLessThanOrEqual(policy.maxWaitMs)
        if (hint !== undefined) expect(wait).toBe(hint)
        else expect(wait).toBe(Math.min(30_000, 1_000 * 2 ** (retry - 1)))
      })
    )
  })

  it("429/5xx/no answer are retried; other 4xx and a Retry-After beyond the cap are not", () => {
    const e = (retryable: boolean, retryAfter?: number) => new AttemptError({ reason: "RateLimited", detail: "", retryable, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) })
    expect(shouldRetry(policy, e(true))).toBe(true)
    expect(shouldRetry(policy, e(true, 30_000))).toBe(true)
    expect(shouldRetry(policy, e(true, 30_001))).toBe(false)
    expect(shouldRetry(policy, e(false))).toBe(false)
  })
})
