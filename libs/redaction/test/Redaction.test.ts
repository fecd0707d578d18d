import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { Redaction } from "../src/index.ts"

const { redact, marker } = Redaction

/** A credential as services issue them: 8–40 characters of token alphabet (never a part of the marker). */
const secret = fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"), minLength: 8, maxLength: 40 })

/** A password as people choose them: any printable ASCII but the delimiters that end a value in a header or query. */
const password = fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!$%()*+-.:<>^_`{|~"), minLength: 6, maxLength: 30 }).filter((s) => !s.includes(marker))

/** Prose around the secret: rollwise's and Prometheus's own words, spaces and punctuation. */
const prose = fc
  .array(fc.constantFrom("cannot", "reach", "http://prometheus:9090", "HTTP", "401", "from", "the", "query", "rate(http_requests_total[5m])", "unauthorized:", "(", ")", ",", ".", "bad_data", "step=10s", "window", "latency", "→", "€", "\n", "{", "}", '"', "'"), { maxLength: 12 })
  .map((words) => words.join(" "))

/** Ways an upstream answer carries a credential, each a function of the secret. */
const carriers: ReadonlyArray<(s: string) => string> = [
  (s) => `Authorization: Bearer ${s}`,
  (s) => `authorization: bearer ${s}`,
  (s) => `map[Accept:[application/json] Authorization:[Bearer ${s}] User-Agent:[rollwise]]`,
  (s) => `{"headers":{"Authorization":"Bearer ${s}"}}`,
  (s) => `Proxy-Authorization: Basic ${s}`,
  (s) => `X-Api-Key: ${s}`,
  (s) => `GET /api/v1/query?query=up&access_token=${s}&step=10s`,
  (s) => `token=${s}`,
  (s) => `password=${s}`,
  (s) => `api_key = ${s}`,
  (s) => `{"password": "${s}"}`,
  (s) => `{'client_secret': '${s}'}`,
  (s) => `forwarding to Bearer ${s} failed`
]

const userinfoCarriers: ReadonlyArray<(user: string, pass: string) => string> = [
  (u, p) => `cannot reach http://${u}:${p}@prometheus:9090/api/v1/query`,
  (u, p) => `Post "https://${u}:${p}@prom.example.com/api/v1/query_range": EOF`,
  (u, p) => `https://${u}:${p}@host`
]

describe("redact", () => {
  it("redacts each kind of credential it knows, keeping what names it", () => {
    expect(redact("cannot reach http://alice:hunter2@prometheus:9090 (ECONNREFUSED)")).toBe("cannot reach http://***@prometheus:9090 (ECONNREFUSED)")
    expect(redact('unauthorized: map[Authorization:[Bearer eyJhbGciOi.J9.x] Accept:[*/*]]')).toBe("unauthorized: map[Authorization:[Bearer ***] Accept:[*/*]]")
    expect(redact("Authorization: Basic YWxpY2U6aHVudGVyMg==")).toBe("Authorization: Basic ***")
    expect(redact("/api/v1/query?token=abc123&query=up")).toBe("/api/v1/query?token=***&query=up")
    expect(redact('{"password":"p a s s","user":"alice"}')).toBe('{"password":"***","user":"alice"}')
    expect(redact("proxy said: s3cr3t-value was wrong", ["s3cr3t-value"])).toBe("proxy said: *** was wrong")
    expect(redact("echo: p%40ss%2Fword", ["p@ss/word"])).toBe("echo: ***")
  })

  it("leaves rollwise's own messages as they are", () => {
    for (const text of [
      "cannot reach http://127.0.0.1:9090 (ECONNREFUSED)",
      "bad_data: 1:6: parse error: unexpected right parenthesis ')'",
      "--prometheus: holds credentials; give them as ROLLWISE_PROMETHEUS_TOKEN or ROLLWISE_PROMETHEUS_USER and _PASSWORD",
      "maxTokens=5 tokens: 3, basic approach, a bearer of news",
      ""
    ]) {
      expect(redact(text)).toBe(text)
    }
  })

  test.prop([prose, secret, prose, fc.integer({ min: 0, max: carriers.length - 1 })])("no credential in a known carrier survives, without being told the secret", (before, s, after, i) => {
    const out = redact(`${before} ${carriers[i]!(s)} ${after}`)
    expect(out).not.toContain(s)
  })

  test.prop([prose, fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789._-"), minLength: 1, maxLength: 12 }), password, prose, fc.integer({ min: 0, max: userinfoCarriers.length - 1 })])(
    "no URL userinfo survives",
    (before, user, pass, after, i) => {
      const out = redact(`${before} ${userinfoCarriers[i]!(user, pass)} ${after}`)
      expect(out).not.toContain(`${user}:${pass}`)
      expect(out).not.toContain(pass)
    }
  )

  test.prop([fc.string({ maxLength: 60 }), fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !marker.includes(s)), fc.string({ maxLength: 60 })])(
    "a known secret never survives, whatever surrounds it",
    (before, s, after) => {
      expect(redact(`${before}${s}${after}`, [s])).not.toContain(s)
    }
  )

  test.prop([prose])("ordinary text is unchanged", (text) => {
    expect(redact(text)).toBe(text)
  })

  test.prop([fc.string({ maxLength: 200 }), fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 })])("is idempotent on any text", (text, secrets) => {
    const once = redact(text, secrets)
    expect(redact(once, secrets)).toBe(once)
  })

  test.prop([prose, secret, prose, fc.integer({ min: 0, max: carriers.length - 1 })])("is idempotent on text with credentials", (before, s, after, i) => {
    const once = redact(`${before} ${carriers[i]!(s)} ${after}`, [s])
    expect(redact(once, [s])).toBe(once)
  })
})
