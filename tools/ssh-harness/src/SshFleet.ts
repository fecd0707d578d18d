import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { createConnection, createServer as createTcpServer } from "node:net"
import { randomBytes } from "node:crypto"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * Real OpenSSH servers for tests: one Debian `/usr/sbin/sshd` per simulated
 * Windows host, on 127.0.0.1 and a free port, with its own sshd_config,
 * generated host key, for a throwaway login user made for the fleet
 * (`useradd`, shell /bin/sh so no rc file slows each command, removed by
 * `close`; key auth with a generated key, or its random password). The login's PATH
 * starts with a `powershell` shim (set with sshd_config's `SetEnv`, which
 * OpenSSH 9.2 applies to every session) that decodes `-EncodedCommand`,
 * appends the script to a log, and asks the test's handler (over HTTP on
 * 127.0.0.1) what to answer: the stdout, stderr and exit code to print, a
 * delay, or a dropped connection — then the shim SIGKILLs its own sshd
 * session processes, so the client sees the TCP connection die mid-step.
 */

/** What the shim received: the server it runs on, its arguments and the decoded script. */
export interface ShimRequest {
  readonly server: string
  readonly argv: ReadonlyArray<string>
  /** The `-EncodedCommand` script, decoded (UTF-16LE), if any. */
  readonly script?: string
}

/** What the shim does: answer (after `delayMs`), or drop the connection. */
export type ShimReply =
  | { readonly stdout: string; readonly stderr: string; readonly code: number; readonly delayMs?: number }
  | { readonly drop: true; readonly delayMs?: number }

/** The test's side of the shim. */
export type ShimHandler = (request: ShimRequest) => ShimReply | Promise<ShimReply>

/** One running sshd. */
export interface SshServer {
  readonly name: string
  readonly host: "127.0.0.1"
  readonly port: number
  /** Its host key's fingerprint, `SHA256:…`, as ssh-keygen -lf prints it. */
  readonly fingerprint: string
  /** Its known_hosts line. */
  readonly knownHostsLine: string
  /** The sshd's pid (to kill it in a test of an unreachable host). */
  readonly pid: number
}

/** A set of sshds sharing one client key and one shim handler. */
export interface SshFleet {
  readonly dir: string
  readonly servers: Readonly<Record<string, SshServer>>
  /** The login user made for this fleet. */
  readonly user: string
  /** Its password (servers accept password auth too). */
  readonly password: string
  /** The client's private key (OpenSSH format), authorized on every server. */
  readonly keyFile: string
  /** A known_hosts file listing every server. */
  readonly knownHostsFile: string
  /** Every script the shims received, in order (from the shims' own log file). */
  readonly scripts: () => ReadonlyArray<{ readonly server: string; readonly script: string; readonly at: string }>
  /** Swap the handler (each test its own fleet state). */
  readonly setHandler: (handler: ShimHandler) => void
  readonly close: () => Promise<void>
}

const shimSource = `import { appendFileSync, readFileSync } from "node:fs"
const argv = process.argv.slice(2)
const i = argv.findIndex((a) => /^-e(nc(odedcommand)?)?$/i.test(a))
const script = i >= 0 && argv[i + 1] !== undefined ? Buffer.from(argv[i + 1], "base64").toString("utf16le") : undefined
const server = process.env.ROLLWISE_SHIM_SERVER
appendFileSync(process.env.ROLLWISE_SHIM_LOG, JSON.stringify({ server, at: new Date().toISOString(), argv: script === undefined ? argv : argv.slice(0, i), script }) + "\\n")
const listener = Number(readFileSync(process.env.ROLLWISE_SHIM_PIDFILE, "utf8").trim())
const ancestors = () => {
  const out = []
  let pid = process.ppid
  while (pid > 1) {
    const stat = readFileSync("/proc/" + pid + "/stat", "utf8")
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
    if (pid !== listener && comm.startsWith("sshd")) out.push(pid)
    pid = ppid
  }
  return out
}
const response = await fetch(process.env.ROLLWISE_SHIM_URL, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ server, argv, script }) })
const reply = await response.json()
if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs))
if (reply.drop) {
  for (const pid of ancestors()) try { process.kill(pid, "SIGKILL") } catch {}
  process.exit(137)
}
process.stdout.write(reply.stdout)
process.stderr.write(reply.stderr)
process.stdout.on("drain", () => undefined)
process.exitCode = reply.code
`

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createTcpServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const address = s.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      s.close(() => resolve(port))
    })
  })

// sshd answers a TCP connection with its "SSH-2.0-…" banner once it listens
const banner = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.once("data", (d) => done(d.toString("latin1").startsWith("SSH-2.0")))
    socket.once("error", () => done(false))
    socket.setTimeout(2000, () => done(false))
  })

const waitFor = async (check: () => Promise<boolean>, ms: number) => {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return false
}

const userPrefix = "rwssh"

// users of fleets whose test process died before close: their home (the fleet's folder) is gone
const removeStaleUsers = () => {
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const [name, , , , , home] = line.split(":")
    if (name?.startsWith(userPrefix) && home !== undefined && !existsSync(home)) {
      try {
        execFileSync("userdel", ["-f", name], { stdio: "ignore" })
      } catch {
        // another run removed it
      }
    }
  }
}

/**
 * Start one sshd per name, each with the shim answering through `handler`.
 * Needs root (sshd and its privilege separation) and /usr/sbin/sshd.
 */
export const startSshFleet = async (names: ReadonlyArray<string>, handler: ShimHandler): Promise<SshFleet> => {
  if (!existsSync("/usr/sbin/sshd")) throw new Error("ssh-harness needs /usr/sbin/sshd (apt-get install openssh-server)")
  // sshd refuses to start without its privilege-separation directory (the Debian service creates it at boot)
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 })
  removeStaleUsers()
  const dir = mkdtempSync(join(tmpdir(), "ssh-harness-"))
  chmodSync(dir, 0o755)
  const user = `${userPrefix}${randomBytes(5).toString("hex")}`
  const password = randomBytes(18).toString("base64url")
  execFileSync("useradd", ["-M", "-d", dir, "-s", "/bin/sh", "-c", "rollwise ssh-harness (temporary)", user])
  execFileSync("chpasswd", [], { input: `${user}:${password}\n` })
  const keyFile = join(dir, "client_ed25519")
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "rollwise-test", "-f", keyFile])
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${keyFile}.pub`))
  const log = join(dir, "shim.log")
  writeFileSync(log, "")
  chmodSync(log, 0o666)
  mkdirSync(join(dir, "bin"))
  writeFileSync(join(dir, "shim.mjs"), shimSource)
  writeFileSync(join(dir, "bin", "powershell"), `#!/bin/sh\nexec ${process.execPath} ${join(dir, "shim.mjs")} "$@"\n`)
  chmodSync(join(dir, "bin", "powershell"), 0o755)

  let current = handler
  const http: Server = createServer((req, res) => {
    let body = ""
    req.on("data", (c: Buffer) => (body += c.toString("utf8")))
    req.on("end", () => {
      void (async () => {
        try {
          const reply = await current(JSON.parse(body) as ShimRequest)
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply))
        } catch (e) {
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ stdout: "", stderr: `shim handler failed: ${String(e)}\n`, code: 1 }))
        }
      })()
    })
  })
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve))
  const address = http.address()
  const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/`

  const children: Array<ChildProcess> = []
  const servers: Record<string, SshServer> = {}
  const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim())
  // what the fleet's sessions left running (a shim still waiting out a slow answer): every process of its own throwaway user
  const killSessions = () => {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const status = readFileSync(`/proc/${entry}/status`, "utf8")
        if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid) process.kill(Number(entry), "SIGKILL")
      } catch {
        // gone already
      }
    }
  }
  const close = async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM")
    killSessions()
    await Promise.all(children.map((c) => (c.exitCode !== null ? Promise.resolve() : new Promise((r) => c.once("exit", r)))))
    http.closeAllConnections()
    await new Promise<void>((resolve) => http.close(() => resolve()))
    try {
      execFileSync("userdel", ["-f", user], { stdio: "ignore" })
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (const name of names) {
      const hostKey = join(dir, `${name}_host_ed25519`)
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", hostKey])
      const fingerprint = execFileSync("ssh-keygen", ["-lf", `${hostKey}.pub`], { encoding: "utf8" }).split(" ")[1]!
      const pidFile = join(dir, `${name}.pid`)
      let started: { port: number; child: ChildProcess } | undefined
      for (let attempt = 0; attempt < 5 && started === undefined; attempt++) {
        const port = await freePort()
        const config = join(dir, `${name}_sshd_config`)
        writeFileSync(
          config,
          [
            `Port ${port}`,
            "ListenAddress 127.0.0.1",
            `HostKey ${hostKey}`,
            `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
            `PidFile ${pidFile}`,
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication yes",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin no",
            `AllowUsers ${user}`,
            "PrintMotd no",
            "MaxStartups 100",
            "MaxSessions 50",
            `SetEnv PATH=${join(dir, "bin")}:/usr/bin:/bin ROLLWISE_SHIM_SERVER=${name} ROLLWISE_SHIM_URL=${url} ROLLWISE_SHIM_LOG=${log} ROLLWISE_SHIM_PIDFILE=${pidFile}`,
            "LogLevel ERROR",
            ""
          ].join("\n")
        )
        const child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] })
        let stderr = ""
        child.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")))
        children.push(child)
        if (await waitFor(async () => child.exitCode === null && (await banner(port)), 10_000)) {
          await waitFor(async () => existsSync(pidFile), 5000)
          started = { port, child }
        } else {
          if (child.exitCode === null) child.kill("SIGKILL")
          if (attempt === 4) throw new Error(`sshd for ${name} did not start: ${stderr}`)
        }
      }
      const { port, child } = started!
      const keyLine = readFileSync(`${hostKey}.pub`, "utf8").trim().split(" ")
      servers[name] = { name, host: "127.0.0.1", port, fingerprint, knownHostsLine: `[127.0.0.1]:${port} ${keyLine[0]} ${keyLine[1]}`, pid: child.pid! }
    }
  } catch (e) {
    await close()
    throw e
  }
  const knownHostsFile = join(dir, "known_hosts")
  writeFileSync(knownHostsFile, Object.values(servers).map((s) => s.knownHostsLine).join("\n") + "\n")
  return {
    dir,
    servers,
    user,
    password,
    keyFile,
    knownHostsFile,
    scripts: () =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as { server: string; script: string; at: string }),
    setHandler: (h) => void (current = h),
    close
  }
}

