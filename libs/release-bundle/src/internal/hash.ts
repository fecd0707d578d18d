import { createHash } from "node:crypto"
import { createReadStream } from "node:fs"
import { stat } from "node:fs/promises"

/** What a streamed hash of one file found: its byte count and lowercase hex SHA-256. */
export interface Digest {
  readonly size: number
  readonly sha256: string
}

/** Called after each chunk: bytes hashed so far and the file's size when the hash began. */
export type Progress = (done: number, total: number) => void

/** 1 MiB reads: large enough that the hash, not the syscalls, bounds throughput. */
export const defaultChunk = 1 << 20

/**
 * SHA-256 of a file, read in chunks through a stream: memory stays at one
 * chunk whatever the file's size. The size is the bytes actually hashed, so a
 * file that changes while it is read cannot pair one length with another's
 * digest. Rejects with the fs error (ENOENT, EACCES, EISDIR) for the caller to
 * name.
 */
export const sha256File = async (file: string, options: { readonly onProgress?: Progress; readonly chunkSize?: number; readonly signal?: AbortSignal } = {}): Promise<Digest> => {
  const info = await stat(file)
  if (!info.isFile()) throw Object.assign(new Error(`${file} is not a regular file`), { code: info.isDirectory() ? "EISDIR" : "ENOTFILE" })
  const hash = createHash("sha256")
  let size = 0
  const stream = createReadStream(file, { highWaterMark: options.chunkSize ?? defaultChunk, ...(options.signal ? { signal: options.signal } : {}) })
  for await (const chunk of stream) {
    const buffer = chunk as Buffer
    hash.update(buffer)
    size += buffer.length
    options.onProgress?.(size, info.size)
  }
  return { size, sha256: hash.digest("hex") }
}
