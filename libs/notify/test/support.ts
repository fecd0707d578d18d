import { Effect } from "effect"
import type { Transport } from "../src/Delivery.ts"
import type { RolloutEvent } from "../src/RolloutEvent.ts"

/** The rollback every golden fixture renders. */
export const rollback: RolloutEvent = {
  kind: "rollback",
  rolloutId: "r-20261206-checkout-7",
  service: "checkout",
  release: "1.4.2",
  target: "k8s:checkout",
  verdict: {
    action: "rollback",
    score: 0.82,
    reasons: ["latency_p99: candidate 412 ms vs baseline 180 ms (+129 %, p < 0.001)", "error_ratio: candidate 2.4 % vs baseline 0.3 % (critical)"]
  },
  reasons: ["analysis at step 2: latency_p99 failed; error_ratio failed"],
  riskScore: 72,
  plots: [
    { name: "latency_p99", url: "https://rollwise.example.com/v1/evidence/r-20261206-checkout-7/plots/latency_p99.svg" },
    { name: "error_ratio", url: "https://rollwise.example.com/v1/evidence/r-20261206-checkout-7/plots/error_ratio.svg" }
  ],
  evidenceUrl: "https://rollwise.example.com/v1/evidence/r-20261206-checkout-7",
  at: Date.UTC(2026, 11, 6, 10, 0, 0)
}

/** Real waits kept tiny: 3 attempts, 10 ms first backoff, 5 s per request. */
export const fast: Transport = { retry: { attempts: 3, maxWaitMs: 30_000, backoffMs: 10 }, timeoutMs: 5_000 }

/** Start a fake for the length of `use`, closed after. */
export const withFake = <F extends { readonly close: () => Promise<void> }, A, E, R>(start: () => Promise<F>, use: (fake: F) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(Effect.promise(start), use, (fake) => Effect.promise(() => fake.close()))

/** Wait (real time, polling) until `check` holds, up to `ms`. */
export const until = (check: () => boolean, ms = 10_000) =>
  Effect.promise(async () => {
    const end = Date.now() + ms
    while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 5))
    return check()
  })

/** Every string value under `key` of objects whose `type` is `type`, anywhere in `doc`. */
export const collect = (doc: unknown, type: string, key: string, out: Array<string> = []): Array<string> => {
  if (Array.isArray(doc)) for (const d of doc) collect(d, type, key, out)
  else if (typeof doc === "object" && doc !== null) {
    const o = doc as Record<string, unknown>
    if (o.type === type && typeof o[key] === "string") out.push(o[key])
    for (const v of Object.values(o)) collect(v, type, key, out)
  }
  return out
}

/** Strings people write that chat markup would act on. */
export const hostile = ["<!channel>", "<!here>", "<!everyone>", "<@U024BE7LH>", "<https://evil.example|click>", "*bold* _it_ ~s~ `c`", "a & b < c > d", "&lt;!channel&gt;", "line\nbreak", "\u001b[31mred", "[x](https://evil.example)", "**md**"]
