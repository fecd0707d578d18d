/**
 * A worker thread of the analysis pool. It takes either a `POST /v1/analyses`
 * body's text and runs the route on it — `AnalysesRoute.analyzeBody`: the route's
 * JSON parsing and decoding, then the same `AnalysesRoute.analyze` — or a decoded
 * `POST /judge` request and runs `KayentaJudge.judgeHere` on it; it answers the
 * response or the InputError's field and message. The apps build this file
 * as their `analysis-worker.js`.
 */
import { ApiError, Analyses, Kayenta } from "@rollwise/api-contract"
import { AnalysesRoute, KayentaJudge } from "@rollwise/api-handler"
import { Cause, Effect, Exit } from "effect"
import { parentPort } from "node:worker_threads"

/** What the pool sends: a `/v1/analyses` body's text, or a decoded Kayenta request; and its id. */
export type Job =
  | { readonly id: number; readonly text: string }
  | { readonly id: number; readonly judge: Kayenta.Request }

/** What a worker answers: the response, an input error, or a defect's message. */
export type Reply =
  | { readonly id: number; readonly ok: Analyses.Response | Kayenta.Response }
  | { readonly id: number; readonly inputError: { readonly field?: string | undefined; readonly message: string } }
  | { readonly id: number; readonly defect: string }

const run = (job: Job): Effect.Effect<Analyses.Response | Kayenta.Response, ApiError.InputError> =>
  "judge" in job ? KayentaJudge.judgeHere(job.judge) : AnalysesRoute.analyzeBody(job.text)

const port = parentPort
if (port !== null) {
  port.on("message", (job: Job) => {
    const exit = Effect.runSyncExit(run(job))
    let reply: Reply
    if (Exit.isSuccess(exit)) reply = { id: job.id, ok: exit.value }
    else {
      const failure = Cause.findErrorOption(exit.cause)
      reply =
        failure._tag === "Some"
          ? { id: job.id, inputError: { field: failure.value.field, message: failure.value.message } }
          : { id: job.id, defect: Cause.pretty(exit.cause).split("\n")[0] ?? "defect" }
    }
    port.postMessage(reply)
  })
}
