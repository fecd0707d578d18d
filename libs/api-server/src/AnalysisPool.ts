import { ApiError, type Analyses } from "@rollwise/api-contract"
import { Effect } from "effect"
import { Worker } from "node:worker_threads"
import type { Job, Reply } from "./analysisWorker.ts"

/**
 * `POST /v1/analyses` on worker threads: the analysis of a body (3 metrics ×
 * 2 tracks × 1,000 samples: ~2 ms of statistics) runs on one of `size`
 * threads while the main thread goes on parsing, routing and answering, so
 * a server on several cores judges several bodies at once. Same function,
 * same answers as in process (`Analyses.analyze`); each job goes to the
 * thread with the fewest in flight. The threads end with the scope.
 */

/** The bundled worker beside this module: the apps build `analysis-worker.js` into their dist/ next to their chunks. */
export const defaultScript = (): URL => new URL("./analysis-worker.js", import.meta.url)

/** A pool of `size` analysis threads for the scope's lifetime; its `analyze` is `Analyses.analyze` off the main thread. */
export const make = (size: number, script: URL = defaultScript()) =>
  Effect.gen(function* () {
    const pending = new Map<number, (reply: Reply) => void>()
    const inFlight: Array<number> = []
    let nextId = 0
    const workers = yield* Effect.acquireRelease(
      Effect.sync(() =>
        Array.from({ length: size }, (_, index) => {
          const worker = new Worker(script)
          inFlight.push(0)
          worker.on("message", (reply: Reply) => {
            inFlight[index]! -= 1
            const resume = pending.get(reply.id)
            pending.delete(reply.id)
            resume?.(reply)
          })
          worker.on("error", (error) => {
            // a crashed thread fails what it held; the others go on
            for (const [id, resume] of pending) resume({ id, defect: `analysis worker failed: ${error.message}` })
          })
          return worker
        })
      ),
      (ws) => Effect.promise(() => Promise.all(ws.map((w) => w.terminate())))
    )
    const analyze = (request: Analyses.Request): Effect.Effect<Analyses.Response, ApiError.InputError> =>
      Effect.callback<Reply>((resume) => {
        const id = nextId++
        let index = 0
        for (let i = 1; i < workers.length; i++) if (inFlight[i]! < inFlight[index]!) index = i
        inFlight[index]! += 1
        pending.set(id, (reply) => resume(Effect.succeed(reply)))
        workers[index]!.postMessage({ id, request } satisfies Job)
        return Effect.sync(() => void pending.delete(id))
      }).pipe(
        Effect.flatMap((reply) =>
          "ok" in reply
            ? Effect.succeed(reply.ok)
            : "inputError" in reply
              ? Effect.fail(new ApiError.InputError(reply.inputError.field === undefined ? { message: reply.inputError.message } : { field: reply.inputError.field, message: reply.inputError.message }))
              : Effect.die(new Error(reply.defect))
        )
      )
    return { analyze, size }
  })
