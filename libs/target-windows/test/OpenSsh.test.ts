import { type SshFleet, startSshFleet } from "@rollwise/ssh-harness"
import { Duration, Effect, Exit } from "effect"
import { execFileSync } from "node:child_process"
import { createHmac, randomBytes } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HostsFile, OpenSsh, Scripts, type Transport } from "../src/index.ts"

/**
 * The OpenSSH transport against REAL sshd processes (tools/ssh-harness):
 * key and password logins, host-key pinning by fingerprint and by
 * known_hosts (plain and hashed), refused connections, timeouts, a dropped
 * session. The `powershell` on the servers is the harness's shim: here it
 * echoes what it received, so what went over the wire is checked exactly.
 */
let fleet: SshFleet
let reply: (script: string, server: string) => { stdout: string; stderr: string; code: number; delayMs?: number } | { drop: true } = (script) => ({
  stdout: JSON.stringify({ ok: true, changed: false, length: script.length }) + "\r\n",
  stderr: "",
  code: 0
})
beforeAll(async () => {
  fleet = await startSshFleet(["win1", "win2"], ({ server, script }) => reply(script ?? "", server))
}, 60_000)
afterAll(async () => {
  await fleet?.close()
})

const script = Scripts.probe({ site: "it's $(here)", pool: "‘pool’" })

const hostsWith = (overrides: Record<string, unknown> = {}, server: Record<string, unknown> = {}) =>
  Effect.runSync(
    HostsFile.decode({
      apiVersion: "rollwise/v1",
      kind: "WindowsHosts",
      credentials: { user: fleet.user, keyFile: fleet.keyFile },
      servers: ["win1", "win2"].map((name) => ({ name, host: "127.0.0.1", port: fleet.servers[name]!.port, hostKey: fleet.servers[name]!.fingerprint, ...server })),
      release: { artifact: "a-{version}.zip", dir: "D:\\r", stable: "1" },
      ...overrides
    })
  )

const runOn = (hosts: HostsFile.HostsFile, f: (t: Transport.Transport) => Effect.Effect<unknown, Transport.TransportError>, env: Record<string, string> = {}, timeout = Duration.seconds(30)) =>
  Effect.runPromiseExit(Effect.scoped(Effect.flatMap(OpenSsh.make({ hosts, dir: fleet.dir, env, timeout }), f)))
const errorOf = (exit: Exit.Exit<unknown, Transport.TransportError>) => (Exit.isFailure(exit) ? (exit.cause.reasons[0] as { error?: Transport.TransportError }).error : undefined)

describe("OpenSsh transport (real sshd)", () => {
  it("sends the script as -EncodedCommand and returns the shim's answer; the shim decoded exactly the script", async () => {
    const before = fleet.scripts().length
    const exit = await runOn(hostsWith(), (t) => t.run("win1", script))
    expect(Exit.isSuccess(exit)).toBe(true)
    const answer = (exit as Exit.Success<Transport.Answer>).value
    expect(answer.code).toBe(0)
    expect(JSON.parse(answer.stdout)).toEqual({ ok: true, changed: false, length: script.text.length })
    const logged = fleet.scripts().slice(before)
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatchObject({ server: "win1", script: script.text })
  })

  it("keeps one connection per server for a run and answers scripts in turn", async () => {
    const exit = await runOn(hostsWith(), (t) => Effect.forEach(["win1", "win2", "win1", "win2"], (s) => t.run(s, script)))
    expect(Exit.isSuccess(exit)).toBe(true)
  })

  it("logs in with the password from the env variable hosts.yaml names", async () => {
    const hosts = hostsWith({ credentials: { user: fleet.user, passwordEnv: "WIN_PASSWORD" } })
    expect(Exit.isSuccess(await runOn(hosts, (t) => t.run("win1", script), { WIN_PASSWORD: fleet.password }))).toBe(true)
    const wrong = errorOf(await runOn(hosts, (t) => t.run("win1", script), { WIN_PASSWORD: "not-the-password-4711" }))
    expect(wrong?.reason).toBe("Forbidden")
    expect(wrong?.message).not.toContain("not-the-password-4711")
    const unset = errorOf(await runOn(hosts, (t) => t.run("win1", script)))
    expect(unset?.detail).toBe("the env variable WIN_PASSWORD (the password) is not set")
  })

  it("refuses a host key that is not the pinned one, with one clear error naming both", async () => {
    const other = fleet.servers["win2"]!.fingerprint
    const error = errorOf(await runOn(hostsWith({}, { hostKey: other }), (t) => t.run("win1", script)))
    expect(error?.reason).toBe("Forbidden")
    expect(error?.detail).toBe(
      `win1 (127.0.0.1:${fleet.servers["win1"]!.port}): the host key ${fleet.servers["win1"]!.fingerprint} is not the pinned ${other} (a changed key is refused; re-pin it in hosts.yaml only if the change is expected)`
    )
  })

  it("checks known_hosts when no key is pinned: listed passes, hashed entries too, unknown and changed keys are refused", async () => {
    const unpinned = (file: string) => hostsWith({ knownHosts: file }, {})
    const strip = (h: HostsFile.HostsFile): HostsFile.HostsFile => ({ ...h, servers: h.servers.map(({ hostKey: _k, ...s }) => s) })
    expect(Exit.isSuccess(await runOn(strip(unpinned(fleet.knownHostsFile)), (t) => t.run("win2", script)))).toBe(true)

    // hashed as `ssh-keygen -H` writes it: |1|salt|HMAC-SHA1(salt, "[host]:port")
    const [name, type, key] = fleet.servers["win1"]!.knownHostsLine.split(" ")
    const salt = randomBytes(20)
    const hashed = join(fleet.dir, "known_hosts_hashed")
    writeFileSync(hashed, `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(name!).digest("base64")} ${type} ${key}\n`)
    expect(Exit.isSuccess(await runOn(strip(unpinned(hashed)), (t) => t.run("win1", script)))).toBe(true)

    const unknown = errorOf(await runOn(strip(unpinned(hashed)), (t) => t.run("win2", script)))
    expect(unknown?.reason).toBe("Forbidden")
    expect(unknown?.detail).toContain(`the host key ${fleet.servers["win2"]!.fingerprint} is unknown (not in known_hosts): pin it with hostKey: ${fleet.servers["win2"]!.fingerprint}`)

    const changed = join(fleet.dir, "known_hosts_changed")
    const win2Key = readFileSync(fleet.knownHostsFile, "utf8").split("\n").find((l) => l.startsWith(`[127.0.0.1]:${fleet.servers["win2"]!.port} `))!.split(" ")[2]
    writeFileSync(changed, `${name} ${type} ${win2Key}\n`)
    const mismatch = errorOf(await runOn(strip(unpinned(changed)), (t) => t.run("win1", script)))
    expect(mismatch?.detail).toContain("does not match the known_hosts entry (a changed key is refused)")
  })

  it("a refused connection is Unreachable", async () => {
    const closed = await new Promise<number>((resolve) => {
      // a port nobody listens on: bind, read, close
      import("node:net").then(({ createServer }) => {
        const s = createServer().listen(0, "127.0.0.1", () => {
          const port = (s.address() as { port: number }).port
          s.close(() => resolve(port))
        })
      })
    })
    const error = errorOf(await runOn(hostsWith({}, { port: closed }), (t) => t.run("win1", script)))
    expect(error?.reason).toBe("Unreachable")
    expect(error?.detail).toContain("ECONNREFUSED")
  })

  it("a script that does not answer in time is a Timeout; the next script reconnects and succeeds", async () => {
    reply = (text) => (text.includes("slow") ? { stdout: "{}", stderr: "", code: 0, delayMs: 8000 } : { stdout: '{"ok":true,"changed":false}', stderr: "", code: 0 })
    const slow = Scripts.probe({ site: "slow", pool: "p" })
    const exit = await runOn(hostsWith(), (t) => Effect.flatMap(Effect.exit(t.run("win1", slow)), (first) => Effect.map(t.run("win1", script), (a) => ({ e: errorOf(first)!, a }))), {}, Duration.seconds(3))
    expect(Exit.isSuccess(exit), String(Exit.isFailure(exit) ? exit.cause : "")).toBe(true)
    const { e, a } = (exit as Exit.Success<{ e: Transport.TransportError; a: Transport.Answer }>).value
    expect(e.reason).toBe("Timeout")
    expect(e.detail).toBe("win1: probe did not answer within 3s")
    expect(a.stdout).toContain('"ok":true')
  })

  it("a session dropped mid-script (the shim kills its sshd) is Unreachable; the next script reconnects", async () => {
    let dropped = false
    reply = () => {
      if (!dropped) {
        dropped = true
        return { drop: true }
      }
      return { stdout: '{"ok":true,"changed":false}', stderr: "", code: 0 }
    }
    const exit = await runOn(hostsWith(), (t) => Effect.flatMap(Effect.exit(t.run("win2", script)), (first) => Effect.map(t.run("win2", script), (a) => ({ e: errorOf(first)!, a }))))
    expect(Exit.isSuccess(exit), String(Exit.isFailure(exit) ? exit.cause : "")).toBe(true)
    const { e, a } = (exit as Exit.Success<{ e: Transport.TransportError; a: Transport.Answer }>).value
    expect(e.reason).toBe("Unreachable")
    expect(a.code).toBe(0)
  })

  it("a missing key file is one clear Forbidden error before anything is sent", async () => {
    const error = errorOf(await runOn(hostsWith({ credentials: { user: fleet.user, keyFile: "no-such-key" } }), (t) => t.run("win1", script)))
    expect(error?.reason).toBe("Forbidden")
    expect(error?.detail).toMatch(/^cannot read the key file .*no-such-key: ENOENT/)
  })
})

describe("OpenSsh.fingerprint (pure)", () => {
  it("is what ssh-keygen -lf prints", () => {
    const pub = readFileSync(`${fleet.keyFile}.pub`, "utf8").split(" ")[1]!
    const printed = execFileSync("ssh-keygen", ["-lf", `${fleet.keyFile}.pub`], { encoding: "utf8" }).split(" ")[1]
    expect(OpenSsh.fingerprint(Buffer.from(pub, "base64"))).toBe(printed)
  })
})
