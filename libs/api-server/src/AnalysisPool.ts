import { ApiError, type Analyses, type Kayenta } from "@rollwise/api-contract"
import { Effect } from "effect"
import { Worker } from "node:worker_threads"
import type { Job, Reply } from "./analysisWorker.ts"

/**
 * `POST /v1/analyses` and `POST /judge` on worker threads: an analyses
 * body's text (3 metrics × 2 tracks × 1,000 samples: ~0.6 ms to parse and
 * decode, ~2 ms of statistics) or a decoded Kayenta request goes to one of
 * `size` threads, which runs the route on it (`AnalysesRoute.analyzeBody`,
 * `KayentaJudge.judgeHere`), while the main thread only reads bodies and writes
 * answers — so `/healthz` keeps answering while a large payload is judged,
 * and a server on several cores judges several bodies at once with the
 * routes' own answers; each job goes to the thread with the fewest in
 * flight. The threads end with the scope.
 */

/** The bundled worker beside this module: the apps build `analysis-worker.js` into their dist/ next to their chunks. */
export const defaultScript = (): URL => new URL("./analysis-worker.js", import.meta.url)

/** One thread of the pool and the jobs it holds. */
interface Slot {
  worker: Worker
  readonly jobs: Map<number, (reply: Reply) => void>
}

/**
 * A pool of `size` analysis threads for the scope's lifetime; its `analyze`
 * is `AnalysesRoute.analyze` off the main thread. A thread that dies (an error,
 * an exit) fails only the jobs it held — answered as a defect, a 500 the
 * server logs — and is replaced at once, so later jobs never wait on it.
 */
export const make = (size: number, script: URL = defaultScript()) =>
  Effect.gen(function* () {
    let nextId = 0
    let closing = false
    const spawn = (slot: Slot): Worker => {
      const worker = new Worker(script)
      worker.on("message", (reply: Reply) => {
        const resume = slot.jobs.get(reply.id)
        slot.jobs.delete(reply.id)
        resume?.(reply)
      })
      const fail = (why: string) => {
        if (slot.worker !== worker) return // already replaced
        const held = [...slot.jobs]
        slot.jobs.clear()
        for (const [id, resume] of held) resume({ id, defect: `analysis worker failed: ${why}` })
        if (!closing) slot.worker = spawn(slot)
      }
      worker.on("error", (error) => fail(error.message))
      worker.on("exit", (code) => fail(`exited with code ${code}`))
      return worker
    }
    const slots = yield* Effect.acquireRelease(
      Effect.sync(() =>
        Array.from({ length: size }, () => {
          const slot: Slot = { worker: undefined as unknown as Worker, jobs: new Map() }
          slot.worker = spawn(slot)
          return slot
        })
      ),
      (all) =>
        Effect.promise(() => {
          closing = true
          return Promise.all(all.map((slot) => slot.worker.terminate()))
        })
    )
    const submit = <A>(job: (id: number) => Job): Effect.Effect<A, ApiError.InputError> =>
      Effect.callback<Reply>((resume) => {
        const id = nextId++
        let slot = slots[0]!
        for (const other of slots) if (other.jobs.size < slot.jobs.size) slot = other
        slot.jobs.set(id, (reply) => resume(Effect.succeed(reply)))
        slot.worker.postMessage(job(id))
        // an interrupted request (timeout, client gone) stops waiting; the thread's answer is dropped
        return Effect.sync(() => void slot.jobs.delete(id))
      }).pipe(
        Effect.flatMap((reply) =>
          "ok" in reply
            ? Effect.succeed(reply.ok as A)
            : "inputError" in reply
              ? Effect.fail(new ApiError.InputError(reply.inputError.field === undefined ? { message: reply.inputError.message } : { field: reply.inputError.field, message: reply.inputError.message }))
              : Effect.die(new Error(reply.defect))
        )
      )
    /** `AnalysesRoute.analyzeBody` on a thread. */
    const analyze = (text: string): Effect.Effect<Analyses.Response, ApiError.InputError> => submit((id) => ({ id, text }))
    /** `KayentaJudge.judgeHere` on a thread (what `KayentaJudge.Judge` is set to). */
    const judge = (request: Kayenta.Request): Effect.Effect<Kayenta.Response, ApiError.InputError> => submit((id) => ({ id, judge: request }))
    return { analyze, judge, size, threads: () => slots.map((slot) => slot.worker.threadId) }
  })
