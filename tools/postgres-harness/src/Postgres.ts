/**
 * A real PostgreSQL 15 for tests: `initdb` into a fresh temp dir, `pg_ctl
 * start` on 127.0.0.1 with a free port (its socket in the same dir), fresh
 * databases on demand, and `pg_ctl stop -m immediate` plus removal of the dir
 * afterwards. PostgreSQL refuses to run as root: under root every server
 * command runs as the `postgres` user (`su postgres`), which then owns the dir.
 */
import { execFile, spawnSync } from "node:child_process"
import { accessSync, chmodSync, chownSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir, userInfo } from "node:os"
import { join } from "node:path"

/** Where Debian's `postgresql-15` installs the server binaries (override with `PG_BIN`). */
export const defaultBinDir = "/usr/lib/postgresql/15/bin"

const binDir = (): string => process.env["PG_BIN"] ?? defaultBinDir

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Whether the PostgreSQL server binaries are installed (Debian package `postgresql-15`, pulled in by `postgresql`). */
export const postgresAvailable = (): boolean => ["initdb", "pg_ctl", "postgres"].every((b) => executable(join(binDir(), b)))

const notInstalled = (): Error =>
  new Error(
    `PostgreSQL 15 is not installed (no initdb/pg_ctl/postgres in ${binDir()}): apt-get update && apt-get install -y --no-install-recommends postgresql ` +
      "(Debian's postgresql-15; tools/ci/debian-packages.txt lists it for .ci/run), or point PG_BIN at another PostgreSQL 15 bin directory"
  )

/** How to start a test PostgreSQL. */
export interface StartPostgresOptions {
  /** The superuser initdb creates (default `rollwise`). */
  readonly user?: string
  /**
   * Give the user this password and require it over TCP (SCRAM-SHA-256);
   * the unix socket stays `trust`. Default: no password, `trust` everywhere.
   */
  readonly password?: string
  /** More `-c name=value` server settings, e.g. `{ max_connections: "200" }`. */
  readonly settings?: Readonly<Record<string, string>>
}

/** A running test PostgreSQL. Call `stop()` in `afterAll`/`finally`. */
export interface RunningPostgres {
  readonly host: "127.0.0.1"
  readonly port: number
  readonly user: string
  /** The password when started with one. */
  readonly password: string | undefined
  /** The temp dir holding the data dir and the unix socket; `stop()` removes it. */
  readonly dir: string
  /** `postgres://user[:password]@127.0.0.1:port/<database>` (default: the `postgres` database). */
  url(database?: string): string
  /** Create an empty database (named `test_<n>` unless given) and return its URL. */
  createDatabase(name?: string): Promise<string>
  /** Run SQL through `psql` on the unix socket as the superuser; resolves with psql's stdout (unaligned, tuples only). */
  psql(sql: string, database?: string): Promise<string>
  /** What the server logged so far (its log file in `dir`). */
  logs(): string
  /** `pg_ctl stop -m immediate`, then remove `dir`. Idempotent. */
  stop(): Promise<void>
}

const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      if (address === null || typeof address === "string") {
        server.close()
        reject(new Error("could not read the free port"))
        return
      }
      server.close(() => resolvePort(address.port))
    })
  })

const isRoot = (): boolean => userInfo().uid === 0

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

/** Run a server binary, as `postgres` when we are root; throws with its output when it fails. */
const runServerCommand = (args: ReadonlyArray<string>, what: string): void => {
  const result = isRoot()
    ? spawnSync("su", ["postgres", "-s", "/bin/sh", "-c", args.map(shellQuote).join(" ")], { encoding: "utf8" })
    : spawnSync(args[0]!, args.slice(1), { encoding: "utf8" })
  if (result.error !== undefined) throw result.error
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status ?? result.signal}): ${(result.stderr || result.stdout).trim()}`)
}

/** Every server this module started and has not stopped: stopped (immediate) if the test process exits first. */
const started = new Set<{ readonly dataDir: string; readonly dir: string }>()
let exitHookInstalled = false
const installExitHook = (): void => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    for (const s of started) {
      try {
        runServerCommand([join(binDir(), "pg_ctl"), "-D", s.dataDir, "-m", "immediate", "-w", "stop"], "pg_ctl stop")
      } catch {
        // already gone
      }
      rmSync(s.dir, { recursive: true, force: true })
    }
  })
}

let databases = 0

/**
 * Start PostgreSQL 15 on 127.0.0.1 with a free port, `fsync=off` (a test
 * server: nothing needs to survive a power cut). Rejects with the package to
 * install when the binaries are missing, and with initdb's or pg_ctl's own
 * words when they fail.
 */
export const startPostgres = async (options: StartPostgresOptions = {}): Promise<RunningPostgres> => {
  if (!postgresAvailable()) throw notInstalled()
  const user = options.user ?? "rollwise"
  const dir = mkdtempSync(join(tmpdir(), "rollwise-pg-"))
  const dataDir = join(dir, "data")
  const logFile = join(dir, "server.log")
  const entry = { dataDir, dir }
  started.add(entry)
  installExitHook()
  try {
    if (isRoot()) {
      const pw = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" })
      const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" })
      if (pw.status !== 0) throw new Error("running as root, PostgreSQL needs a `postgres` user to run as (the Debian package creates it)")
      chownSync(dir, Number(pw.stdout.trim()), Number(gid.stdout.trim()))
    }
    chmodSync(dir, 0o700)
    const initdb = [join(binDir(), "initdb"), "-D", dataDir, "-U", user, "--encoding=UTF8", "--locale=C"]
    if (options.password !== undefined) {
      const pwfile = join(dir, "pwfile")
      writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 })
      if (isRoot()) chownSync(pwfile, Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim()), 0)
      initdb.push("--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwfile}`)
    } else {
      initdb.push("-A", "trust")
    }
    runServerCommand(initdb, "initdb")
    const port = await freePort()
    const settings = { listen_addresses: "127.0.0.1", fsync: "off", synchronous_commit: "off", full_page_writes: "off", max_connections: "200", ...options.settings }
    const serverOptions = [`-k ${dir}`, `-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(" ")
    runServerCommand([join(binDir(), "pg_ctl"), "-D", dataDir, "-l", logFile, "-o", serverOptions, "-w", "-t", "60", "start"], "pg_ctl start")

    const auth = options.password === undefined ? user : `${encodeURIComponent(user)}:${encodeURIComponent(options.password)}`
    const url = (database = "postgres") => `postgres://${auth}@127.0.0.1:${port}/${encodeURIComponent(database)}`
    const psql = (sql: string, database = "postgres") =>
      new Promise<string>((resolveOut, reject) => {
        execFile(
          join(binDir(), "psql"),
          ["-h", dir, "-p", String(port), "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-c", sql],
          { encoding: "utf8" },
          (error, stdout, stderr) => (error === null ? resolveOut(stdout.trim()) : reject(new Error(`psql: ${stderr.trim() || error.message}`)))
        )
      })
    let stopped = false
    return {
      host: "127.0.0.1",
      port,
      user,
      password: options.password,
      dir,
      url,
      psql,
      createDatabase: async (name) => {
        const db = name ?? `test_${process.pid}_${++databases}`
        await psql(`CREATE DATABASE "${db.replace(/"/g, '""')}"`)
        return url(db)
      },
      logs: () => {
        const r = spawnSync("tail", ["-c", "65536", logFile], { encoding: "utf8" })
        return r.stdout ?? ""
      },
      stop: async () => {
        if (stopped) return
        stopped = true
        try {
          runServerCommand([join(binDir(), "pg_ctl"), "-D", dataDir, "-m", "immediate", "-w", "stop"], "pg_ctl stop")
        } finally {
          started.delete(entry)
          rmSync(dir, { recursive: true, force: true })
        }
      }
    }
  } catch (e) {
    started.delete(entry)
    try {
      runServerCommand([join(binDir(), "pg_ctl"), "-D", dataDir, "-m", "immediate", "-w", "stop"], "pg_ctl stop")
    } catch {
      // never started
    }
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
}
