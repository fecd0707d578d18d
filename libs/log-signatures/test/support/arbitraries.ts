/** fast-check arbitraries for log lines: structured-looking lines, raw unicode, blanks. */
import { fc } from "@fast-check/vitest"

const word = fc.constantFrom("GET", "POST", "user", "login", "failed", "for", "from", "ok", "error", "Connection", "closed", "by", "peer", "timeout", "ünïcödé", "日本語", "🚀", "<*>", "a=b", "(x)", "<*", "*>", "a<*>b", "k=<*>", "table=orders", "table=carts", "key:v", "(HWID=x)")
const variable = fc.oneof(
  fc.nat({ max: 100000 }).map(String),
  fc.tuple(fc.nat({ max: 255 }), fc.nat({ max: 255 })).map(([a, b]) => `10.0.${a}.${b}`),
  fc.nat({ max: 0xffffff }).map((n) => `0x${n.toString(16)}`),
  fc.nat({ max: 999 }).map((n) => `${n}ms`),
  fc.constantFrom("/var/log/app.log", "https://example.com/a/b?c=1", "blk_-42", "node-17"),
  fc.nat({ max: 99 }).map((n) => `(HWID=${n})`),
  fc.nat({ max: 99 }).map((n) => `id=${n}`)
)
const token = fc.oneof({ weight: 3, arbitrary: word }, { weight: 2, arbitrary: variable })
const separator = fc.constantFrom(" ", " ", " ", "  ", "\t", "\u00a0")

/** A log-like line: words and variables joined by assorted whitespace. */
export const structured = fc.array(fc.tuple(token, separator), { maxLength: 10 }).map((ts) => ts.map(([t, s]) => t + s).join("").trimEnd())

/** Any line: log-like, arbitrary unicode (lone surrogates included), blank. */
export const line = fc.oneof(
  { weight: 6, arbitrary: structured },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "\t \n", "\u3000") }
)

/** A batch of lines that often repeats templates. */
export const lines = fc.array(line, { maxLength: 80 })
