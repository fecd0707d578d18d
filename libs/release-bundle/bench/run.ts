/**
 * Streaming SHA-256 throughput: `hashFile` on a large file against
 * coreutils' `sha256sum` on the same file, both printed in MB/s, with the
 * process's peak RSS while hashing (it must stay flat: the file is streamed).
 *
 * The file is sparse by default (`truncate`: no disk space, reads come from
 * zero pages, so both sides measure the hash, not the disk); set
 * ROLLWISE_BENCH_FILL=1 to write real pseudo-random bytes first.
 * ROLLWISE_BENCH_GB sets the size (default 1, at most 2).
 */
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ReleaseBundle } from "../src/index.ts"

const gib = Math.min(2, Math.max(0.01, Number(process.env["ROLLWISE_BENCH_GB"] ?? 1)))
const size = Math.round(gib * 1024 ** 3)
const fill = process.env["ROLLWISE_BENCH_FILL"] === "1"
const dir = mkdtempSync(join(tmpdir(), "rollwise-bundle-bench-"))
const file = join(dir, "artifact.bin")

try {
  if (fill) {
    const fd = openSync(file, "w")
    const block = randomBytes(1 << 24) // 16 MiB repeated: incompressible enough, cheap to make
    for (let written = 0; written < size; written += block.length) writeSync(fd, block, 0, Math.min(block.length, size - written))
    closeSync(fd)
  } else {
    closeSync(openSync(file, "w"))
    truncateSync(file, size)
  }
  const mb = size / 1e6
  const rssBefore = process.memoryUsage().rss
  let peak = rssBefore
  const started = process.hrtime.bigint()
  const digest = await Effect.runPromise(ReleaseBundle.hashFile(file, { onProgress: () => void (peak = Math.max(peak, process.memoryUsage().rss)) }))
  const ours = Number(process.hrtime.bigint() - started) / 1e9

  const t0 = process.hrtime.bigint()
  const r = spawnSync("sha256sum", [file], { encoding: "utf8" })
  const theirs = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`sha256sum failed: ${r.stderr}`)
  const reference = r.stdout.split(/\s+/)[0]
  if (reference !== digest.sha256) throw new Error(`digests differ: ours ${digest.sha256}, sha256sum ${reference}`)

  console.log(`release-bundle hashFile vs sha256sum on ${gib} GiB (${fill ? "written pseudo-random bytes" : "sparse file"}), node ${process.version}`)
  console.log(`  hashFile   ${(mb / ours).toFixed(0).padStart(5)} MB/s  (${ours.toFixed(2)} s)  peak RSS +${((peak - rssBefore) / 1024 ** 2).toFixed(1)} MiB`)
  console.log(`  sha256sum  ${(mb / theirs).toFixed(0).padStart(5)} MB/s  (${theirs.toFixed(2)} s)`)
  console.log(`  ratio      ${(theirs / ours).toFixed(2)}× sha256sum's throughput; same digest ${digest.sha256}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
