import type { SshFleet, ShimReply } from "@rollwise/ssh-harness"
import { DeployTarget } from "@rollwise/rollout-engine"
import { Duration, Effect, Layer } from "effect"
import fc from "fast-check"
import { HostsFile, TargetWindows } from "../src/index.ts"
import { RecordedFleet } from "../src/testing.ts"

/** The servers every test fleet has: an ARR controller and three IIS servers. */
export const serverNames = ["arr01", "web1", "web2", "web3"] as const

/**
 * A hosts.yaml document for a strategy: canary has web1 blue and web2/web3
 * green; rolling and blue/green use all three. With an sshd fleet, servers
 * point at its ports with pinned host keys and its client key.
 */
export const hostsDocument = (strategy: HostsFile.Strategy, fleet?: SshFleet): Record<string, unknown> => ({
  apiVersion: "rollwise/v1",
  kind: "WindowsHosts",
  credentials: { user: fleet?.user ?? "deploy", keyFile: fleet?.keyFile ?? "id_ed25519" },
  farm: { name: "shop-farm", controller: "arr01", drainSeconds: 5 },
  servers: serverNames.map((name) => ({
    name,
    host: fleet?.servers[name]?.host ?? `${name}.corp.example`,
    ...(fleet !== undefined ? { port: fleet.servers[name]!.port, hostKey: fleet.servers[name]!.fingerprint } : { hostKey: "SHA256:" + "A".repeat(43) }),
    address: `${name}.farm.local`,
    ...(strategy === "canary" && name !== "arr01" ? { group: name === "web1" ? "blue" : "green" } : {})
  })),
  site: { site: "shop", pool: "shop" },
  bluegreen: { blue: { site: "shop-blue", pool: "shop-blue" }, green: { site: "shop-green", pool: "shop-green" }, liveBinding: "*:80:shop.example.com", greenUrl: "http://localhost:8081/health" },
  release: { artifact: "\\\\fs01\\builds\\shop\\shop-{version}.zip", dir: "D:\\sites\\shop\\releases", stable: "2.4.0" },
  health: { url: "http://localhost/health", maxEventErrors: 0, timeoutSeconds: 10 },
  timeoutSeconds: 20
})

export const decodeHosts = (strategy: HostsFile.Strategy, fleet?: SshFleet) => Effect.runSync(HostsFile.decode(hostsDocument(strategy, fleet), "hosts.yaml", strategy))

/** The shim's answer from a recorded fleet. */
export const shimHandler =
  (recorded: () => RecordedFleet.Fleet) =>
  ({ server, script }: { server: string; script?: string }): ShimReply => {
    const reply = recorded().answer(server, script ?? "")
    return "drop" in reply ? { drop: true, delayMs: reply.delayMs } : { ...reply.answer, code: reply.answer.code ?? 0, delayMs: reply.delayMs }
  }

/** A target over the real sshd fleet, on a fresh recorded state each time (what the contract suite needs). */
export const sshLayer = (strategy: HostsFile.Strategy, fleet: () => SshFleet, onFleet: (f: RecordedFleet.Fleet) => void, output?: Array<string>): Layer.Layer<DeployTarget.DeployTarget> =>
  Layer.orDie(Layer.effect(
    DeployTarget.DeployTarget,
    Effect.gen(function* () {
      const hosts = decodeHosts(strategy, fleet())
      const recorded = RecordedFleet.fromHosts(hosts)
      onFleet(recorded)
      fleet().setHandler(shimHandler(() => recorded))
      return yield* TargetWindows.connect({
        hosts,
        dir: "/",
        env: {},
        timeout: Duration.seconds(20),
        strategy,
        name: "shop",
        candidate: "2.5.0",
        retryDelay: Duration.millis(50),
        ...(output !== undefined ? { onOutput: (line: string) => void output.push(line) } : {})
      })
    })
  ))

/** A target over the in-memory recorded fleet. */
export const recordedTarget = (strategy: HostsFile.Strategy, recorded?: RecordedFleet.Fleet) => {
  const hosts = decodeHosts(strategy)
  const fleet = recorded ?? RecordedFleet.fromHosts(hosts)
  return Effect.map(TargetWindows.make({ hosts, transport: RecordedFleet.transport(fleet), strategy, name: "shop", candidate: "2.5.0", retryDelay: Duration.millis(10) }), (target) => ({ target, fleet }))
}

/** Strings built to break out of a literal: quotes of every kind, backticks, `$()`, newlines, NUL-free. */
export const hostile = fc.oneof(
  fc.string({ unit: fc.constantFrom("'", "\u2018", "\u2019", "\u201A", "\u201B", '"', "`", "$", "(", ")", "\n", "\r", ";", "#", "a", " ", "\u2028", "\u0085", "@", "{", "}", "|", "&") }),
  fc.string({ unit: "grapheme" }),
  fc.string()
).filter((s) => !s.includes("\u0000"))

