/**
 * A seeded generator of service logs for canary scenarios: every request logs
 * an access line and, independently with its own probability, some of ~20
 * other templates with variable fields (ids, IPs, durations, paths, UUIDs).
 */
import { Random } from "@rollwise/stats-core"

type Uniform = Random.Uniform

const int = (r: Uniform, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1))
const pick = <A>(r: Uniform, xs: ReadonlyArray<A>): A => xs[Math.floor(r() * xs.length)]!
const ip = (r: Uniform) => `10.${int(r, 0, 9)}.${int(r, 0, 255)}.${int(r, 1, 254)}`
const hex = (r: Uniform, n: number) => Array.from({ length: n }, () => "0123456789abcdef"[int(r, 0, 15)]).join("")
const uuid = (r: Uniform) => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`
const user = (r: Uniform) => pick(r, ["alice", "bob", "carol", "dave", "erin", "frank", "grace"])

/** A template of the generator: how often a request logs it, and one rendering. */
export interface Source {
  readonly name: string
  readonly probability: number
  readonly render: (r: Uniform) => string
}

/** The healthy service: ~20 templates. */
export const service: ReadonlyArray<Source> = [
  { name: "access", probability: 1, render: (r) => `${pick(r, ["GET", "POST", "PUT"])} /api/${pick(r, ["orders", "carts", "users"])}/${int(r, 1, 99999)} ${pick(r, [200, 200, 200, 201, 204, 404])} ${int(r, 1, 900)}ms` },
  { name: "cache-hit", probability: 0.4, render: (r) => `cache hit for key user:${int(r, 1, 9999)}:profile` },
  { name: "cache-miss", probability: 0.1, render: (r) => `cache miss for key user:${int(r, 1, 9999)}:profile, loading from database` },
  { name: "db", probability: 0.3, render: (r) => `db query took ${int(r, 1, 300)} ms rows=${int(r, 0, 50)}` },
  { name: "login", probability: 0.05, render: (r) => `User ${user(r)} logged in from ${ip(r)}` },
  { name: "session", probability: 0.03, render: (r) => `Session ${uuid(r)} expired after ${int(r, 60, 3600)}s` },
  { name: "payment", probability: 0.04, render: (r) => `Payment ${uuid(r)} authorised amount=${int(r, 1, 500)}.${int(r, 10, 99)} currency=EUR` },
  { name: "email", probability: 0.02, render: (r) => `Sent email to ${user(r)}@example.com template=${pick(r, ["welcome", "receipt", "reset"])}` },
  { name: "retry", probability: 0.02, render: (r) => `Retrying request to inventory-service attempt ${int(r, 1, 3)} of 3` },
  { name: "slow-query", probability: 0.02, render: (r) => `WARN slow query detected duration=${int(r, 1000, 5000)}ms table=${pick(r, ["orders", "carts"])}` },
  { name: "pool", probability: 0.05, render: (r) => `Connection pool stats active=${int(r, 0, 10)} idle=${int(r, 0, 10)} waiting=${int(r, 0, 3)}` },
  { name: "job", probability: 0.01, render: (r) => `Scheduled job cleanup finished in ${int(r, 10, 999)}ms removed=${int(r, 0, 99)}` },
  { name: "flag", probability: 0.1, render: (r) => `Feature flag new-checkout evaluated to ${pick(r, ["true", "false"])} for user ${int(r, 1, 9999)}` },
  { name: "upstream", probability: 0.15, render: (r) => `Upstream inventory-service responded ${pick(r, [200, 200, 503])} in ${int(r, 2, 400)}ms` },
  { name: "ratelimit", probability: 0.08, render: (r) => `Rate limit check for client ${ip(r)} remaining=${int(r, 0, 100)}` },
  { name: "token", probability: 0.03, render: (r) => `Token refreshed for client web-${int(r, 1, 9)} expires_in=3600` },
  { name: "order", probability: 0.06, render: (r) => `Order ${int(r, 10000, 99999)} created with ${int(r, 1, 9)} items total=${int(r, 5, 500)}.${int(r, 10, 99)}` },
  { name: "heartbeat", probability: 0.02, render: (r) => `Heartbeat from worker-${int(r, 1, 8)} lag=${int(r, 0, 50)}ms` },
  { name: "gc", probability: 0.01, render: (r) => `GC pause ${int(r, 1, 80)}ms heap=${int(r, 128, 1024)}MB` },
  { name: "static", probability: 0.05, render: (r) => `Serving static asset /static/js/app.${hex(r, 8)}.js from disk` }
]

/** The new exception a broken candidate logs. */
export const exception: Source = {
  name: "exception",
  probability: 0.005,
  render: (r) =>
    `ERROR Unhandled NullPointerException in CheckoutController.applyCoupon: coupon ${hex(r, 6)} missing for cart ${int(r, 1, 99999)}`
}

/** `requests` requests' worth of log lines from `sources`, seeded. */
export const window = (sources: ReadonlyArray<Source>, requests: number, seed: number): { lines: Array<string>; total: number } => {
  const r = Random.mulberry32(seed)
  const lines: Array<string> = []
  for (let q = 0; q < requests; q++) {
    for (const s of sources) if (r() < s.probability) lines.push(s.render(r))
  }
  return { lines, total: requests }
}

/** The sources with one template's probability replaced. */
export const withProbability = (sources: ReadonlyArray<Source>, name: string, probability: number): Array<Source> =>
  sources.map((s) => (s.name === name ? { ...s, probability } : s))
