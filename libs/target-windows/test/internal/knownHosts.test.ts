import { createHmac } from "node:crypto"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { matchKnownHosts } from "../../src/internal/knownHosts.ts"

const key = Buffer.from("AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEKEYEXAMPLEKEYEXAMPLEKEYEXAMPLEKEY", "base64")
const other = Buffer.from("AAAAC3NzaC1lZDI1NTE5AAAAIOTHERKEYOTHERKEYOTHERKEYOTHERKEYOTHERKEY", "base64")
const line = (names: string, k = key) => `${names} ssh-ed25519 ${k.toString("base64")}`
const hashed = (name: string, salt: Buffer) => `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(name).digest("base64")}`

describe("known_hosts matching (pure, as OpenSSH reads the file)", () => {
  it("port 22 is the bare name, others [host]:port; patterns, negations, comments", () => {
    expect(matchKnownHosts(line("web1.corp"), "web1.corp", 22, key)).toBe("match")
    expect(matchKnownHosts(line("web1.corp"), "web1.corp", 2222, key)).toBe("unknown")
    expect(matchKnownHosts(line("[web1.corp]:2222"), "web1.corp", 2222, key)).toBe("match")
    expect(matchKnownHosts(`# comment\n${line("*.corp,!web9.corp")}`, "web1.corp", 22, key)).toBe("match")
    expect(matchKnownHosts(line("*.corp,!web9.corp"), "web9.corp", 22, key)).toBe("unknown")
    expect(matchKnownHosts(line("web1.corp", other), "web1.corp", 22, key)).toBe("mismatch")
    expect(matchKnownHosts(`${line("web1.corp", other)}\n${line("web1.corp")}`, "web1.corp", 22, key)).toBe("match")
    expect(matchKnownHosts(`@revoked ${line("web1.corp")}`, "web1.corp", 22, key)).toBe("mismatch")
  })

  it("a hashed entry matches its own host and port only (fast-check)", () => {
    fc.assert(
      fc.property(fc.domain(), fc.integer({ min: 1, max: 65535 }), fc.uint8Array({ minLength: 20, maxLength: 20 }), (host, port, salt) => {
        const name = port === 22 ? host : `[${host}]:${port}`
        const text = line(hashed(name, Buffer.from(salt)))
        expect(matchKnownHosts(text, host, port, key)).toBe("match")
        expect(matchKnownHosts(text, `x${host}`, port, key)).toBe("unknown")
        expect(matchKnownHosts(text, host, port, other)).toBe("mismatch")
      })
    )
  })
})
