import { Redaction } from "@rollwise/redaction"
import { Duration, Effect, Scope } from "effect"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { isAbsolute, join } from "node:path"
import { Client, type ConnectConfig } from "ssh2"
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
 * Make the transport. Reads the key file and known_hosts now, so a missing
 * file or an unset env variable is one clear error before anything runs.
 */
export const make = (options: Options): Effect.Effect<Transport, TransportError, Scope.Scope> =>
  Effect.gen(function* () {
    const { hosts, env } = options
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

    const connect = (server: HostsFile.Server): Promise<Client> => {
      const port = server.port ?? 22
      const where = `${server.name} (${server.host}:${port})`
      let refusal: string | undefined
      return new Promise<Client>((resolve, reject) => {
        const client = new Client()
        client.once("ready", () => {
          client.removeAllListeners("error")
          client.on("error", () => clients.delete(server.name))
          resolve(client)
        })
        client.once("error", (error: Error & { code?: string; level?: string }) => {
          clients.delete(server.name)
          client.end()
          reject(
            refusal !== undefined
              ? new TransportError({ reason: "Forbidden", detail: refusal })
              : new TransportError({ reason: reasonOfSocket(error), detail: `${where}: ${mask(error.message)}`, cause: error })
          )
        })
        client.on("close", () => clients.delete(server.name))
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
    }

    const clientFor = (server: HostsFile.Server): Promise<Client> => {
      const existing = clients.get(server.name)
      if (existing !== undefined) return existing
      const pending = connect(server)
      clients.set(server.name, pending)
      pending.catch(() => clients.delete(server.name))
      return pending
    }

    const exec = (server: HostsFile.Server, script: Script): Promise<Answer> =>
      clientFor(server).then(
        (client) =>
          new Promise<Answer>((resolve, reject) => {
            const where = `${server.name} (${server.host}:${server.port ?? 22})`
            client.exec(commandLine(script.text), (error, stream) => {
              if (error) {
                clients.delete(server.name)
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
                  clients.delete(server.name)
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
        return Effect.tryPromise({
          try: () => exec(server, script),
          catch: (e) => (e instanceof TransportError ? e : new TransportError({ reason: "Unreachable", detail: `${name}: ${mask(String(e))}`, cause: e }))
        }).pipe(
          Effect.timeoutOrElse({
            duration: options.timeout,
            orElse: () =>
              Effect.sync(() => {
                const pending = clients.get(name)
                clients.delete(name)
                void pending?.then((c) => c.end(), () => undefined)
              }).pipe(Effect.andThen(Effect.fail(new TransportError({ reason: "Timeout", detail: `${name}: ${script.op} did not answer within ${Duration.format(options.timeout)}` }))))
          })
        )
      }
    }
    return transport
  })
