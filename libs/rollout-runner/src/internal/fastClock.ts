import { type Clock, Duration, Effect } from "effect"

/**
 * A clock that starts at `t0` and runs `speed` times faster than the wall
 * clock: windows of minutes pass in seconds, and the same seed sees the same
 * windows (the simulated traffic is keyed by window start).
 */
export const fastClock = (t0: number, speed: number): Clock.Clock => {
  const p0 = performance.now()
  const now = () => t0 + (performance.now() - p0) * speed
  return {
    currentTimeMillisUnsafe: () => Math.floor(now()),
    currentTimeMillis: Effect.sync(() => Math.floor(now())),
    currentTimeNanosUnsafe: () => BigInt(Math.floor(now() * 1e6)),
    currentTimeNanos: Effect.sync(() => BigInt(Math.floor(now() * 1e6))),
    monotonicTimeNanosUnsafe: () => BigInt(Math.floor(now() * 1e6)),
    monotonicTimeNanos: Effect.sync(() => BigInt(Math.floor(now() * 1e6))),
    sleep: (duration) =>
      Effect.callback<void>((resume) => {
        const handle = setTimeout(() => resume(Effect.void), Duration.toMillis(duration) / speed)
        return Effect.sync(() => clearTimeout(handle))
      })
  }
}
