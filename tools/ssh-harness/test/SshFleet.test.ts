import { spawn } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { startSshFleet } from "../src/index.ts"

const readFileOr = (path: string) => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return ""
  }
}
const encoded = (script: string) => Buffer.from(script, "utf16le").toString("base64")

// the real OpenSSH client, strict about the host key: it must be in the harness's known_hosts (async: the shim's handler answers from this process)
const ssh = (fleet: Awaited<ReturnType<typeof startSshFleet>>, name: string, command: string) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn("ssh", ["-i", fleet.keyFile, "-p", String(fleet.servers[name]!.port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${fleet.knownHostsFile}`, `${fleet.user}@127.0.0.1`, command])
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => void (stdout += d.toString("utf8")))
    child.stderr.on("data", (d: Buffer) => void (stderr += d.toString("utf8")))
    child.on("close", (status) => resolve({ status, stdout, stderr }))
  })

describe("ssh-harness (real sshd, real ssh client)", () => {
  it("runs the powershell shim for its login user: decodes -EncodedCommand, logs it, prints the handler's answer and exit code; drops the session on request; removes its user on close", async () => {
    const seen: Array<{ server: string; script?: string }> = []
    const fleet = await startSshFleet(["hostA", "hostB"], (request) => {
      seen.push(request)
      if (request.script === "drop") return { drop: true }
      if (request.script === "slow") return { stdout: "late\n", stderr: "", code: 0, delayMs: 120_000 }
      return { stdout: `answer from ${request.server}\n`, stderr: "warning\n", code: 3 }
    })
    try {
      const script = "Get-Website | Where-Object { $_.Name -eq 'it''s' }\n‘quoted’"
      const r = await ssh(fleet, "hostB", `powershell -NoProfile -NonInteractive -EncodedCommand ${encoded(script)}`)
      expect(r.stdout).toBe("answer from hostB\n")
      expect(r.stderr).toContain("warning")
      expect(r.status).toBe(3)
      expect(seen.at(-1)).toMatchObject({ server: "hostB", script })
      expect(fleet.scripts().at(-1)).toMatchObject({ server: "hostB", script })

      const dropped = await ssh(fleet, "hostA", `powershell -EncodedCommand ${encoded("drop")}`)
      // the session's sshd processes were killed: the client sees the connection close, not an exit status
      expect(dropped.status).toBe(255)
      expect(dropped.stdout).toBe("")

      expect(readFileSync("/etc/passwd", "utf8")).toContain(`${fleet.user}:`)

      // a shim still waiting out a slow answer when the fleet closes is not left behind
      void ssh(fleet, "hostA", `powershell -EncodedCommand ${encoded("slow")}`)
      for (let i = 0; i < 300 && seen.at(-1)?.script !== "slow"; i++) await new Promise((r) => setTimeout(r, 100))
      expect(seen.at(-1)?.script).toBe("slow")
    } finally {
      await fleet.close()
    }
    const uidOf = (pid: string) => {
      try {
        return /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]
      } catch {
        return undefined
      }
    }
    const shims = readdirSync("/proc").filter((p) => /^\d+$/.test(p) && (readFileOr(`/proc/${p}/cmdline`).includes(`${fleet.dir}/shim.mjs`)))
    expect(shims.map(uidOf).filter((u) => u !== undefined)).toEqual([])
    expect(readFileSync("/etc/passwd", "utf8")).not.toContain(`${fleet.user}:`)
    expect(existsSync(fleet.dir)).toBe(false)
  }, 120_000)
})
