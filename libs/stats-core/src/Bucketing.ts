/**
 * One stable hash for every "which units are in the p % share" decision —
 * ARM device cohorts and feature-flag canaries alike — so a unit's place
 * is the same whichever target computes it: 32-bit FNV-1a of the text's
 * UTF-8 bytes, finalised by murmur3's fmix32. Not for cryptography.
 */
import { fnv1a } from "./Random.ts"

/**
 * murmur3's 32-bit finaliser: FNV-1a alone leaves texts that differ only in
 * their last characters (`user-000123`, `user-000124`) in nearby values;
 * this spreads every input bit over the whole word.
 */
const fmix32 = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * The text's stable 32-bit hash (an unsigned integer): FNV-1a, then
 * murmur3's finaliser. The same on every platform and every run. Join
 * several parts with a NUL (`${salt}\u0000${id}`) so `("a", "bc")` and
 * `("ab", "c")` differ.
 */
export const stableHash = (text: string): number => fmix32(fnv1a(text))

/**
 * The text's place in [0, 1): {@link stableHash} / 2³². A unit is in the
 * p % share when this is below p / 100, so shares are nested (in at 5 % ⇒
 * in at 25 %) and sticky.
 */
export const unitInterval = (text: string): number => stableHash(text) / 4294967296
