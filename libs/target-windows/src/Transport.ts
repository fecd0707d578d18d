import { Data, type Effect } from "effect"
import type { Script } from "./Scripts.ts"

/**
 * How a script reaches a Windows host and its answer comes back. The
 * OpenSSH adapter (`OpenSsh.make`) is the real one; `testing.ts` has an
 * in-memory host answering with recorded outputs.
 */

/** What a host answered: the script's streams and exit code (null: the session ended without one). */
export interface Answer {
  readonly stdout: string
  readonly stderr: string
  readonly code: number | null
}

/**
 * The transport failed — not the script. `Unreachable` (refused, reset,
 * dropped mid-step) and `Timeout` are retried (every script is idempotent);
 * `Forbidden` (login refused, host key not pinned or changed) is not.
 */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly reason: "Unreachable" | "Timeout" | "Forbidden"
  /** One line, no secrets. */
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

/** Runs scripts on the fleet's servers, named as hosts.yaml names them. */
export interface Transport {
  readonly run: (server: string, script: Script) => Effect.Effect<Answer, TransportError>
}
