import { Redaction } from "@rollwise/redaction"
import { Duration, Effect, Scope } from "effect"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { dirname, isAbsolute, join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Client, ConnectConfig } from "ssh2"
import type * as HostsFile from "./HostsFile.ts"
import { commandLine } from "./PowerShell.ts"
import type { Script } from "./Scripts.ts"
import { type Answer, type Transport, TransportError } from "./Transport.ts"
import { matchKnownHosts } from "./internal/knownHosts.ts"

/**
 * The OpenSSH transport: Windows Server 2019+ ships an OpenSSH server, and
 * `ssh2` is a well-kept pure-JS client. Each script is sent as `powershell
 * -NoProfile -NonInteractive -EncodedCommand <base64 UTF-16LE>`, so neither
 * cmd.exe nor any other shell parses a user's value. One connection per
 * server is kept for the run (closed with its scope) and reopened after a
 * drop. The host key must match a pinned `SHA256:` fingerprint or a
 * known_hosts entry: an unknown or changed key is refused (Forbidden).
 */

/** What the adapter needs: the decoded hosts.yaml, its folder (relative key files), and the environment for credentials. */
export interface Options {
  readonly hosts: HostsFile.HostsFile
  /** Folder of hosts.yaml: keyFile and knownHosts resolve against it. */
  readonly dir: string
  readonly env: Readonly<Record<string, string | undefined>>
  /** Longest one script (and one connect) may take. */
  readonly timeout: Duration.Duration
}

/** A host key's OpenSSH fingerprint: `SHA256:` and the unpadded base64 of its SHA-256. */
export const fingerprint = (key: Buffer): string => `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`

/** The secrets an adapter reads (for masking whatever it surfaces). */
export const secretsOf = (hosts: HostsFile.HostsFile, env: Readonly<Record<string, string | undefined>>): ReadonlyArray<string> =>
  [hosts.credentials?.passwordEnv, hosts.credentials?.passphraseEnv].flatMap((name) => (name !== undefined && env[name] !== undefined ? [env[name]] : []))

const resolvePath = (dir: string, path: string) => (isAbsolute(path) ? path : join(dir, path))

const reasonOfSocket = (error: Error & { code?: string; level?: string }): TransportError["reason"] =>
  error.level === "client-timeout" || error.code === "ETIMEDOUT" ? "Timeout" : error.level === "client-authentication" ? "Forbidden" : "Unreachable"

/**
 * ssh2 reads `__dirname` as it loads (its Pageant helper's path, its wasm
 * poly1305 loader): a CommonJS name that an ESM bundle (the CLI, the HTTP
 * API) does not define, so the bundle would fail on import. ssh2 is loaded
 * when the first Windows target is made, after giving it this module's
 * folder when no `__dirname` exists. (Unneeded once the bundler's banner
 * defines `__dirname`.)
 */
const loadSsh2 = Effect.promise(async () => {
  if (!("__dirname" in globalThis)) Reflect.set(globalThis, "__dirname", dirname(fileURLToPath(import.meta.url)))
  const ssh2: typeof import("ssh2") & { readonly default?: typeof import("ssh2") } = await import("ssh2")
  // a bundled CommonJS module's exports may sit on `default`
  return ssh2.Client ?? ssh2.default!.Client
})

/**
 * Make the transport. Reads the key file and known_hosts now, so a missing
 * file or an unset env variable is one clear error before anything runs.
 */
export const make = (options: Options): Effect.Effect<Transport, TransportError, Scope.Scope> =>
  Effect.gen(function* () {
    const { hosts, env } = options
    const SshClient = yield* loadSsh2
    const secrets = secretsOf(hosts, env)
    const mask = (text: string) => Redaction.redact(text, secrets)
    const creds = hosts.credentials ?? {}
    const auth: Partial<ConnectConfig> = {}
    if (creds.keyFile !== undefined) {
      const path = resolvePath(options.dir, creds.keyFile)
      try {
        auth.privateKey = readFileSync(path)
      } catch (cause) {
        return yield* new TransportError({ reason: "Forbidden", detail: `cannot read the key file ${path}: ${(cause as Error).message}`, cause })
      }
      if (creds.passphraseEnv !== undefined) {
        const passphrase = env[creds.passphraseEnv]
        if (passphrase === undefined) return yield* new TransportError({ reason: "Forbidden", detail: `the env variable ${creds.passphraseEnv} (the key's passphrase) is not set` })
        auth.passphrase = passphrase
      }
    }
    if (creds.passwordEnv !== undefined) {
      const password = env[creds.passwordEnv]
      if (password === undefined) return yield* new TransportError({ reason: "Forbidden", detail: `the env variable ${creds.passwordEnv} (the password) is not set` })
      auth.password = password
    }
    let knownHosts = ""
    if (hosts.knownHosts !== undefined) {
      const path = resolvePath(options.dir, hosts.knownHosts)
      try {
        knownHosts = readFileSync(path, "utf8")
      } catch (cause) {
        return yield* new TransportError({ reason: "Forbidden", detail: `cannot read the known_hosts file ${path}: ${(cause as Error).message}`, cause })
      }
    }
    const timeoutMs = Duration.toMillis(options.timeout)
    const clients = new Map<string, Promise<Client>>()
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        for (const pending of clients.values()) await pending.then((c) => c.end(), () => undefined)
        clients.clear()
      })
    )

    // forget a server's connection only if it is still the one that failed (a newer one may have replaced it)
    const forget = (name: string, pending: Promise<Client>) => {
      if (clients.get(name) === pending) clients.delete(name)
    }

    const connect = (server: HostsFile.Server): Promise<Client> => {
      const port = server.port ?? 22
      const where = `${server.name} (${server.host}:${port})`
      let refusal: string | undefined
      const self: Promise<Client> = new Promise<Client>((resolve, reject) => {
        const client = new SshClient()
        client.once("ready", () => {
          client.removeAllListeners("error")
          client.on("error", () => forget(server.name, self))
          resolve(client)
        })
        client.once("error", (error: Error & { code?: string; level?: string }) => {
          forget(server.name, self)
          client.end()
          reject(
            refusal !== undefined
              ? new TransportError({ reason: "Forbidden", detail: refusal })
              : new TransportError({ reason: reasonOfSocket(error), detail: `${where}: ${mask(error.message)}`, cause: error })
          )
        })
        client.on("close", () => forget(server.name, self))
        client.connect({
          host: server.host,
          port,
          username: server.user ?? creds.user ?? "Administrator",
          readyTimeout: timeoutMs,
          keepaliveInterval: 15_000,
          ...auth,
          hostVerifier: (key: Buffer) => {
            const seen = fingerprint(key)
            if (server.hostKey !== undefined) {
              if (seen === server.hostKey) return true
              refusal = `${where}: the host key ${seen} is not the pinned ${server.hostKey} (a changed key is refused; re-pin it in hosts.yaml only if the change is expected)`
              return false
            }
            const match = matchKnownHosts(knownHosts, server.host, port, key)
            if (match === "match") return true
            refusal =
              match === "mismatch"
                ? `${where}: the host key ${seen} does not match the known_hosts entry (a changed key is refused)`
                : `${where}: the host key ${seen} is unknown (not in known_hosts): pin it with hostKey: ${seen} after checking it on the server (ssh-keygen -lf)`
            return false
          }
        })
      })
      return self
    }

    const clientFor = (server: HostsFile.Server): Promise<Client> => {
      const existing = clients.get(server.name)
      if (existing !== undefined) return existing
      const pending = connect(server)
      clients.set(server.name, pending)
      pending.catch(() => forget(server.name, pending))
      return pending
    }

    // wall-clock time, not the Effect clock: a rollout on a simulated clock still waits for real hosts
    const exec = (server: HostsFile.Server, script: Script): Promise<Answer> =>
      new Promise<Answer>((resolve, reject) => {
        const pending = clientFor(server)
        const timer = setTimeout(() => {
          forget(server.name, pending)
          void pending.then((c) => c.end(), () => undefined)
          reject(new TransportError({ reason: "Timeout", detail: `${server.name}: ${script.op} did not answer within ${Duration.format(options.timeout)}` }))
        }, timeoutMs)
        execOnce(server, pending, script).then(
          (answer) => (clearTimeout(timer), resolve(answer)),
          (error: unknown) => (clearTimeout(timer), reject(error))
        )
      })

    const execOnce = (server: HostsFile.Server, pending: Promise<Client>, script: Script): Promise<Answer> =>
      pending.then(
        (client) =>
          new Promise<Answer>((resolve, reject) => {
            const where = `${server.name} (${server.host}:${server.port ?? 22})`
            client.exec(commandLine(script.text), (error, stream) => {
              if (error) {
                forget(server.name, pending)
                client.end()
                return reject(new TransportError({ reason: "Unreachable", detail: `${where}: ${mask(error.message)}`, cause: error }))
              }
              let stdout = ""
              let stderr = ""
              let code: number | null = null
              stream.on("data", (chunk: Buffer) => void (stdout += chunk.toString("utf8")))
              stream.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")))
              stream.on("exit", (exitCode: number | null) => void (code = exitCode))
              stream.on("close", () => {
                if (code === null && stdout.trim() === "") {
                  forget(server.name, pending)
                  client.end()
                  reject(new TransportError({ reason: "Unreachable", detail: `${where}: the connection dropped before ${script.op} answered` }))
                } else resolve({ stdout, stderr, code })
              })
            })
          })
      )

    const byName = new Map(hosts.servers.map((s) => [s.name, s]))
    const transport: Transport = {
      run: (name, script) => {
        const server = byName.get(name)
        if (server === undefined) return Effect.fail(new TransportError({ reason: "Unreachable", detail: `no server named ${name} in hosts.yaml` }))
        // a transport failure is an answer; anything else thrown is a bug (a defect, not retried)
        return Effect.promise(() => exec(server, script).then((answer) => ({ answer }), (e: unknown) => (e instanceof TransportError ? { error: e } : Promise.reject(e)))).pipe(
          Effect.flatMap((r) => ("error" in r ? Effect.fail(r.error) : Effect.succeed(r.answer)))
        )
      }
    }
    return transport
  })
