/**
 * A Windows farm to try `rollwise rollout --target windows` on without
 * Windows: four real sshd processes on 127.0.0.1 (an ARR controller and three
 * IIS servers, Debian's OpenSSH, started by the test harness; run as root),
 * whose `powershell` is a shim answering with recorded outputs of the real
 * cmdlets. No PowerShell runs; every script rollwise sends is logged.
 *
 *   npx tsx --conditions=@rollwise/source tools/examples/fake-windows.ts
 *
 * It writes .rollwise/hosts.yaml (pinned host keys, the harness's key) for a
 * canary on ARR weights and stays up until Ctrl-C.
 */
import { startSshFleet } from "@rollwise/ssh-harness"
import { HostsFile } from "@rollwise/target-windows"
import { RecordedFleet } from "@rollwise/target-windows/testing"
import { Effect } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { parse } from "yaml"

const names = ["arr01", "web1", "web2", "web3"]
let recorded: RecordedFleet.Fleet | undefined
const fleet = await startSshFleet(names, ({ server, script }) => {
  const reply = recorded!.answer(server, script ?? "")
  return "drop" in reply ? { drop: true, delayMs: reply.delayMs } : { ...reply.answer, code: reply.answer.code ?? 0, delayMs: reply.delayMs }
})
const servers = names.map((name) => {
  const s = fleet.servers[name]!
  const group = name === "arr01" ? "" : `, group: ${name === "web1" ? "blue" : "green"}`
  return `  - { name: ${name}, host: ${s.host}, port: ${s.port}, address: ${name}.farm.local, hostKey: "${s.fingerprint}"${group} }`
})
const text = `apiVersion: rollwise/v1
kind: WindowsHosts
credentials: { user: ${fleet.user}, keyFile: ${fleet.keyFile} }
farm: { name: shop-farm, controller: arr01, drainSeconds: 5 }
servers:
${servers.join("\n")}
site: { site: checkout, pool: checkout }
release: { artifact: '\\\\fs01\\builds\\checkout\\checkout-{version}.zip', dir: 'D:\\sites\\checkout\\releases', stable: 2.4.0 }
health: { url: http://localhost/health, timeoutSeconds: 10 }
timeoutSeconds: 30
`
recorded = RecordedFleet.fromHosts(Effect.runSync(HostsFile.decode(parse(text), "hosts.yaml", "canary")))
mkdirSync(".rollwise", { recursive: true })
writeFileSync(".rollwise/hosts.yaml", text)
console.log(`4 sshd on 127.0.0.1 (${names.map((n) => `${n}:${fleet.servers[n]!.port}`).join(", ")}), a recording powershell shim behind each`)
console.log("hosts file: .rollwise/hosts.yaml")
console.log("try: npx rollwise rollout --decision examples/strategy.json --slo examples/slo.yaml --target windows --hosts .rollwise/hosts.yaml --simulate healthy --speed 600 --version 2.5.0")
console.log("Ctrl-C stops it.")
const stop = () => void fleet.close().then(() => process.exit(0))
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
