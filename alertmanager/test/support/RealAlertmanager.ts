/**
 * The real Alertmanager and amtool (Debian's prometheus-alertmanager) for tests:
 * stage `alertmanager.yml` with its templates and secret files in a temp dir,
 * run `amtool`, start `/usr/bin/prometheus-alertmanager` on a free port of
 * 127.0.0.1 without clustering, and stop it by PID.
 */
import { spawn, spawnSync } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parse, stringify } from "yaml"

/** alertmanager/ — the project root. */
export const projectRoot = join(import.meta.dirname, "..", "..")
/** The committed configuration. */
export const configPath = join(projectRoot, "alertmanager.yml")
/** Where the committed configuration expects its secret files. */
export const SECRETS_DIR = "/etc/alertmanager/secrets/"
/** The fixture secrets, one file per `*_file` the configuration references. */
export const fixtureSecretsDir = join(projectRoot, "test", "fixtures", "secrets")

export const ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
export const AMTOOL = "amtool"

export interface CommandResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Run amtool with these arguments (never through a shell). */
export const amtool = (args: ReadonlyArray<string>, cwd: string): CommandResult => {
  const result = spawnSync(AMTOOL, [...args], { cwd, encoding: "utf8", timeout: 30_000 })
  if (result.error) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Every `<something>_file` value in a parsed configuration, with its YAML key. */
export const referencedFiles = (node: unknown, key = ""): Array<{ readonly key: string; readonly path: string }> => {
  if (Array.isArray(node)) return node.flatMap((item) => referencedFiles(item, key))
  if (typeof node === "object" && node !== null) {
    return Object.entries(node).flatMap(([k, v]) => (k.endsWith("_file") && typeof v === "string" ? [{ key: k, path: v }] : referencedFiles(v, k)))
  }
  return []
}

/** A configuration written to a temp dir, beside its templates and secrets. */
export interface Staged {
  readonly dir: string
  readonly configFile: string
  remove(): void
}

export interface StageOptions {
  /** Secret file name → content; default: the fixtures. */
  readonly secrets?: Readonly<Record<string, string>>
  /** Change the parsed configuration before it is written (receiver URLs, timings). */
  readonly edit?: (config: Record<string, unknown>) => void
}

/**
 * Copy alertmanager.yml and templates/ into a new temp dir, point every secret
 * file reference at `<dir>/secrets/` and write the secrets there.
 */
export const stage = (options: StageOptions = {}): Staged => {
  const dir = mkdtempSync(join(tmpdir(), "rollwise-alertmanager-"))
  mkdirSync(join(dir, "secrets"))
  cpSync(join(projectRoot, "templates"), join(dir, "templates"), { recursive: true })
  const text = readFileSync(configPath, "utf8").replaceAll(SECRETS_DIR, `${join(dir, "secrets")}/`)
  const config = parse(text) as Record<string, unknown>
  options.edit?.(config)
  const configFile = join(dir, "alertmanager.yml")
  writeFileSync(configFile, options.edit === undefined ? text : stringify(config))
  if (options.secrets === undefined) {
    cpSync(fixtureSecretsDir, join(dir, "secrets"), { recursive: true })
  } else {
    for (const [name, content] of Object.entries(options.secrets)) writeFileSync(join(dir, "secrets", name), content, { mode: 0o600 })
  }
  return { dir, configFile, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export interface RunningAlertmanager {
  readonly url: string
  readonly pid: number
  /** Its log so far (stderr), for diagnosing a failing test. */
  log(): string
  /** SIGTERM by PID, SIGKILL after 10 s; resolves when it has exited. */
  stop(): Promise<void>
}

/** Start the real Alertmanager on `staged`; resolves once `/-/ready` answers 200. */
export const startAlertmanager = async (staged: Staged, readyTimeoutMs = 30_000): Promise<RunningAlertmanager> => {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const storage = join(staged.dir, `data-${attempt}`)
    const child = spawn(
      ALERTMANAGER,
      [
        `--config.file=${staged.configFile}`,
        `--storage.path=${storage}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=${url}`,
        "--cluster.listen-address=",
        "--log.level=debug"
      ],
      { cwd: staged.dir, stdio: ["ignore", "ignore", "pipe"] }
    )
    let stderr = ""
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-200_000)
    })
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    const spawnError = new Promise<Error>((resolve) => child.once("error", resolve))
    const pid = child.pid
    if (pid === undefined) throw await spawnError
    const running = () => child.exitCode === null && child.signalCode === null
    const stop = async () => {
      if (!running()) return
      process.kill(pid, "SIGTERM")
      const timer = setTimeout(() => {
        if (running()) process.kill(pid, "SIGKILL")
      }, 10_000)
      await exited
      clearTimeout(timer)
    }
    const handle: RunningAlertmanager = { url, pid, log: () => stderr, stop }

    const deadline = Date.now() + readyTimeoutMs
    let ready = false
    while (Date.now() < deadline && running()) {
      try {
        const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })
        if (response.ok) {
          ready = true
          break
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    if (ready) return handle
    await stop()
    // another process took the port between our probe and Alertmanager's bind: try another
    if (/address already in use/i.test(stderr) && attempt < 3) continue
    throw new Error(`alertmanager (pid ${pid}) was not ready within ${readyTimeoutMs} ms; log tail:\n${stderr.slice(-4000)}`)
  }
}
