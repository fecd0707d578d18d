import { createHash, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest()

/**
 * A bearer-token check that takes the same time whatever the guess: both
 * tokens are hashed to 32 bytes first, so `timingSafeEqual` always compares
 * equal-length buffers and the comparison leaks neither the token's bytes nor
 * its length.
 */
export const tokenChecker = (token: Redacted.Redacted<string>): ((candidate: Redacted.Redacted<string> | undefined) => boolean) => {
  const expected = digest(Redacted.value(token))
  return (candidate) => {
    const given = digest(candidate === undefined ? "" : Redacted.value(candidate))
    // always compare, even for a missing token, so both paths cost the same
    const same = timingSafeEqual(given, expected)
    return candidate !== undefined && same
  }
}

/**
 * Whether a bind address only accepts connections from this machine: the
 * IPv4 loopback net 127.0.0.0/8, `::1` (also IPv4-mapped), or `localhost`.
 */
export const isLoopback = (host: string): boolean => {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1")
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true
  const v4 = h.startsWith("::ffff:") ? h.slice("::ffff:".length) : h
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)
}
