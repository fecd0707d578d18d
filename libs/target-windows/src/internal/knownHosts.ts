import { createHmac } from "node:crypto"

// How OpenSSH names a host in known_hosts: bare for port 22, [host]:port otherwise.
const hostName = (host: string, port: number) => (port === 22 ? host : `[${host}]:${port}`)

const globToRegExp = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i")

const patternMatches = (pattern: string, name: string): boolean => {
  if (pattern.startsWith("|1|")) {
    const [, , salt, hash] = pattern.split("|")
    if (salt === undefined || hash === undefined) return false
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash
  }
  return globToRegExp(pattern).test(name)
}

/**
 * Look a server's key up in known_hosts text (plain or hashed host names,
 * comma-separated patterns, `!` negations, `@revoked` markers): `match`
 * when a line for the host has this key, `mismatch` when lines for the
 * host exist but none has it (or the key is revoked), `unknown` otherwise.
 */
export const matchKnownHosts = (text: string, host: string, port: number, key: Buffer): "match" | "mismatch" | "unknown" => {
  const name = hostName(host, port)
  const blob = key.toString("base64")
  let listed = false
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === "" || line.startsWith("#")) continue
    const fields = line.split(/\s+/)
    const marker = fields[0]!.startsWith("@") ? fields.shift() : undefined
    const [patterns, , keyData] = fields
    if (patterns === undefined || keyData === undefined) continue
    const list = patterns.split(",")
    if (list.some((p) => p.startsWith("!") && patternMatches(p.slice(1), name))) continue
    if (!list.some((p) => !p.startsWith("!") && patternMatches(p, name))) continue
    if (marker === "@revoked" && keyData === blob) return "mismatch"
    if (marker === "@cert-authority") continue
    listed = true
    if (keyData === blob) return "match"
  }
  return listed ? "mismatch" : "unknown"
}
