import { randomBytes } from "node:crypto"
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises"
import { join } from "node:path"

/** `<dir>/<key>.json` (the key is checked against the flag-key pattern before). */
export const pathOf = (dir: string, key: string): string => join(dir, `${key}.json`)

export const ensureDir = async (dir: string): Promise<void> => {
  await mkdir(dir, { recursive: true })
}

/** A file's text, or undefined when it does not exist. */
export const readText = async (path: string): Promise<string | undefined> => {
  try {
    return await readFile(path, "utf8")
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw e
  }
}

/** Flag keys with a file in `dir`, sorted (temporary and lock files skipped). */
export const keys = async (dir: string): Promise<ReadonlyArray<string>> =>
  (await readdir(dir))
    .filter((name) => name.endsWith(".json") && !name.startsWith("."))
    .map((name) => name.slice(0, -".json".length))
    .sort()

/** Write to a temporary file beside `path`, fsync it, rename it over `path`: readers see the old file or the new one, never half. */
export const writeAtomic = async (path: string, text: string): Promise<void> => {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"))
  const tmp = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`
  const handle = await open(tmp, "wx", 0o644)
  try {
    await handle.writeFile(text, "utf8")
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await rename(tmp, path)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Take an exclusive lock file (created with O_EXCL), waiting up to
 * `timeoutMs`; a lock older than `staleMs` is a crashed writer's and is
 * removed. Undefined when the wait ran out.
 */
export const lock = async (path: string, timeoutMs: number, staleMs: number): Promise<{ readonly release: () => Promise<void> } | undefined> => {
  const deadline = Date.now() + timeoutMs
  let wait = 2
  for (;;) {
    try {
      const handle = await open(path, "wx", 0o644)
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      return { release: () => unlink(path).catch(() => undefined) }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    }
    try {
      const s = await stat(path)
      if (Date.now() - s.mtimeMs > staleMs) {
        await rm(path, { force: true })
        continue
      }
    } catch {
      continue
    }
    if (Date.now() >= deadline) return undefined
    await sleep(wait)
    wait = Math.min(wait * 2, 50)
  }
}

/** A one-line description of a thrown value. */
export const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 300)
