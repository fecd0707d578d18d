import { Decode, type DecodeError } from "@rollwise/input-schema"
import { Effect, Schema } from "effect"

/**
 * `hosts.yaml`: the Windows fleet a rollout drives — its servers (reached
 * over OpenSSH), the IIS sites and pools, the ARR web farm, where releases
 * come from, the health checks, and credentials BY REFERENCE (an env
 * variable's name, a key file's path; never a secret itself). Decoded
 * strictly: an unknown key or a bad field is one error naming the field.
 */

// No NUL (it cannot reach powershell.exe) and not empty: every string that ends up in a script.
const noNul = Schema.makeFilter((s: string) => !s.includes("\u0000") || "must not contain NUL (it cannot reach powershell.exe)")
const Text = Schema.String.check(Schema.isNonEmpty(), noNul)
// Windows paths and names cannot hold these; refusing them keeps msiexec's argument quoting simple.
const WindowsPath = Schema.String.check(
  Schema.isNonEmpty(),
  noNul,
  Schema.makeFilter((s: string) => !/["<>|]/.test(s) || 'a Windows path cannot contain " < > or |')
)
const EnvName = Schema.String.check(Schema.isPattern(/^[A-Za-z_][A-Za-z0-9_]*$/))
const Port = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 65535 }))
const Seconds = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 3600 }))
/** An OpenSSH host key fingerprint as `ssh-keygen -lf` prints it. */
const Fingerprint = Schema.String.check(Schema.isPattern(/^SHA256:[A-Za-z0-9+/]{43}$/))

/** How to log in: a key file (optionally with a passphrase from env) or a password from env. */
export const Credentials = Schema.Struct({
  user: Schema.optionalKey(Text),
  /** A private key file (OpenSSH or PEM), relative to hosts.yaml's folder. */
  keyFile: Schema.optionalKey(Text),
  /** The env variable holding the key file's passphrase. */
  passphraseEnv: Schema.optionalKey(EnvName),
  /** The env variable holding the password (password auth). */
  passwordEnv: Schema.optionalKey(EnvName)
})

/** @see {@link Credentials} */
export type Credentials = typeof Credentials.Type

/** One Windows server. */
export const Server = Schema.Struct({
  /** How the rest of the file (farm.controller) and the logs name it. */
  name: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/)),
  host: Text,
  port: Schema.optionalKey(Port),
  user: Schema.optionalKey(Text),
  /** Its address as the ARR web farm lists it (default: host). */
  address: Schema.optionalKey(Text),
  /** Canary: which side of the farm it serves (blue: the stable release, green: the candidate). */
  group: Schema.optionalKey(Schema.Literals(["blue", "green"])),
  /** The pinned host key (`SHA256:…`); without it, the known_hosts file must list the server. */
  hostKey: Schema.optionalKey(Fingerprint)
})

/** @see {@link Server} */
export type Server = typeof Server.Type

const SitePool = Schema.Struct({ site: Text, pool: Text })

/** The whole hosts.yaml document (`apiVersion: rollwise/v1`, `kind: WindowsHosts`). */
export const HostsFile = Schema.Struct({
  apiVersion: Schema.Literal("rollwise/v1"),
  kind: Schema.Literal("WindowsHosts"),
  servers: Schema.Array(Server).check(Schema.isMinLength(1)),
  credentials: Schema.optionalKey(Credentials),
  /** A known_hosts file (relative to hosts.yaml's folder) for servers without a pinned hostKey. */
  knownHosts: Schema.optionalKey(Text),
  /** Canary and rolling: the ARR web farm in front of the servers, and the server that runs ARR. */
  farm: Schema.optionalKey(
    Schema.Struct({
      name: Text,
      controller: Text,
      /** How long a drain waits for current requests (default 30). */
      drainSeconds: Schema.optionalKey(Seconds)
    })
  ),
  /** Canary and rolling: the site and pool on every server. */
  site: Schema.optionalKey(SitePool),
  /** Rolling, for a Windows Service instead of an IIS site (stop, swap binaries, start, verify on each server). */
  service: Schema.optionalKey(
    Schema.Struct({
      /** The service's name (not its display name). */
      name: Text,
      /** The executable inside a release folder, e.g. bin\Checkout.Worker.exe. */
      executable: WindowsPath,
      /** sc (the Service Control Manager's binary path; default) or nssm (NSSM's Application). */
      manager: Schema.optionalKey(Schema.Literals(["sc", "nssm"]))
    })
  ),
  /** Blue/green: the two sites (or the two pools behind them) on every server, and the live binding swapped between them. */
  bluegreen: Schema.optionalKey(
    Schema.Struct({
      blue: SitePool,
      green: SitePool,
      /** bindingInformation of the live binding, e.g. `*:80:shop.example.com`. */
      liveBinding: Text,
      /** Green's warm-up and health URL, requested on the server (its idle binding), e.g. http://localhost:8081/health. */
      greenUrl: Schema.optionalKey(Text)
    })
  ),
  release: Schema.Struct({
    /** The zip or MSI; `{version}` is replaced (a UNC path the servers can read, or a local one). */
    artifact: WindowsPath,
    /** Where releases are unpacked, one folder per version. */
    dir: WindowsPath,
    /** The version live now: what a rollback deploys again. */
    stable: Text,
    /** The candidate (default: the rollout's version). */
    candidate: Schema.optionalKey(Text)
  }),
  health: Schema.optionalKey(
    Schema.Struct({
      /** The synthetic check, requested on each server after a deploy, e.g. http://localhost/health. */
      url: Schema.optionalKey(Text),
      /** Event providers whose Application-log errors since the deploy count (default ASP.NET*, .NET Runtime, Application Error, W3SVC*). */
      eventSources: Schema.optionalKey(Schema.Array(Text)),
      /** Errors tolerated since the deploy (default 0). */
      maxEventErrors: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
      timeoutSeconds: Schema.optionalKey(Seconds)
    })
  ),
  /** Longest one script may run on a host (default 120). */
  timeoutSeconds: Schema.optionalKey(Seconds),
  /** Connection attempts on transport errors (never on a script's failure; default 3). */
  retries: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 10 })))
})

/** @see {@link HostsFile} */
export type HostsFile = typeof HostsFile.Type

/** Event providers watched when hosts.yaml names none. */
export const defaultEventSources: ReadonlyArray<string> = ["ASP.NET*", ".NET Runtime", "Application Error", "W3SVC*", "WAS"]

/** What a strategy needs from the file, checked after the schema. */
export type Strategy = "canary" | "bluegreen" | "rolling"

const problem = (source: string, path: string, detail: string) => Decode.fail({ source, path, detail })

/**
 * Decode hosts.yaml (already parsed from YAML or JSON) and check the parts
 * that reach across fields: names unique, the farm's controller is one of
 * the servers, and what `strategy` (when known) needs.
 */
export const decode = (input: unknown, source = "hosts.yaml", strategy?: Strategy): Effect.Effect<HostsFile, DecodeError> =>
  Effect.gen(function* () {
    yield* Decode.expectKind(input, "WindowsHosts", source)
    const file = yield* Decode.decode(HostsFile, { source })(input)
    const names = new Set<string>()
    for (const [i, s] of file.servers.entries()) {
      if (names.has(s.name)) return yield* problem(source, `servers[${i}].name`, `"${s.name}" is named twice`)
      names.add(s.name)
    }
    if (file.farm !== undefined && !names.has(file.farm.controller)) {
      return yield* problem(source, "farm.controller", `"${file.farm.controller}" is not one of the servers (${[...names].join(", ")})`)
    }
    const creds = file.credentials
    if (creds?.keyFile === undefined && creds?.passwordEnv === undefined) {
      return yield* problem(source, "credentials", "needs keyFile (a private key file) or passwordEnv (the env variable holding the password)")
    }
    if (file.knownHosts === undefined) {
      const i = file.servers.findIndex((s) => s.hostKey === undefined)
      if (i >= 0) return yield* problem(source, `servers[${i}].hostKey`, "needs a pinned host key (SHA256:… from ssh-keygen -lf) or a knownHosts file for the whole fleet")
    }
    const web = webServers(file)
    if (web.length === 0) return yield* problem(source, "servers", "needs at least one server besides the farm's controller")
    if (strategy === "bluegreen" && file.bluegreen === undefined) return yield* problem(source, "bluegreen", "a blue/green rollout needs bluegreen: {blue, green, liveBinding}")
    if (file.site !== undefined && file.service !== undefined) return yield* problem(source, "service", "a fleet serves either an IIS site (site) or a Windows Service (service), not both")
    if (file.service !== undefined && (strategy === "canary" || strategy === "bluegreen")) {
      return yield* problem(source, "service", `a Windows Service rolls out in rolling batches only, not ${strategy === "canary" ? "as a canary" : "blue/green"}`)
    }
    if (strategy === "canary" && file.site === undefined) return yield* problem(source, "site", "a canary rollout needs site: {site, pool}")
    if (strategy === "rolling" && file.site === undefined && file.service === undefined) {
      return yield* problem(source, "site", "a rolling rollout needs site: {site, pool} (IIS) or service: {name, executable} (a Windows Service)")
    }
    if (strategy === "canary") {
      if (file.farm === undefined) return yield* problem(source, "farm", "a canary rollout needs the ARR web farm (farm: {name, controller})")
      for (const group of ["blue", "green"] as const) {
        if (!web.some((s) => s.group === group)) return yield* problem(source, "servers", `a canary rollout needs at least one server with group: ${group}`)
      }
    }
    return file
  })

/** The servers that run the application (all but the ARR controller). */
export const webServers = (file: HostsFile): ReadonlyArray<Server> => file.servers.filter((s) => s.name !== file.farm?.controller)

/** The artifact path for a version. */
export const artifactFor = (file: HostsFile, version: string): string => file.release.artifact.split("{version}").join(version)
