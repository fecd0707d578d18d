import { DeployTarget } from "@rollwise/rollout-engine"
import { Redaction } from "@rollwise/redaction"
import { Effect, Exit, Schema } from "effect"
import type { Operation } from "../Scripts.ts"
import type { Answer } from "../Transport.ts"

const Failed = Schema.Struct({ ok: Schema.Literal(false), reason: Schema.Literals(["NotFound", "Forbidden", "Rejected"]), detail: Schema.String })
const Done = Schema.Struct({ ok: Schema.Literal(true), changed: Schema.Boolean })
const Reply = Schema.Union([Failed, Done])
const decodeReply = Schema.decodeUnknownExit(Schema.fromJsonString(Reply))

/** ARR's runtime view of one farm server. */
export const Runtime = Schema.Struct({
  address: Schema.String,
  weight: Schema.Finite,
  state: Schema.String,
  healthy: Schema.Boolean,
  currentRequests: Schema.Finite
})
export type Runtime = typeof Runtime.Type

/** The op-specific fields of each script's answer. */
export const replies = {
  deploy: Schema.Struct({ changed: Schema.Boolean, path: Schema.String, poolState: Schema.String, warmupStatus: Schema.Finite }),
  health: Schema.Struct({ poolState: Schema.String, httpStatus: Schema.Finite, eventErrors: Schema.Finite }),
  probe: Schema.Struct({ path: Schema.String, poolState: Schema.String }),
  sides: Schema.Struct({ live: Schema.Literals(["blue", "green"]), bluePath: Schema.String, greenPath: Schema.String }),
  flip: Schema.Struct({ changed: Schema.Boolean, live: Schema.String }),
  weights: Schema.Struct({ changed: Schema.Boolean, servers: Schema.Array(Runtime) }),
  serverState: Schema.Struct({ changed: Schema.Boolean, server: Runtime }),
  serviceDeploy: Schema.Struct({ changed: Schema.Boolean, path: Schema.String, status: Schema.String }),
  serviceHealth: Schema.Struct({ status: Schema.String, eventErrors: Schema.Finite }),
  signals: Schema.Struct({
    eventErrors: Schema.Finite,
    sites: Schema.Array(
      Schema.Struct({ site: Schema.String, path: Schema.String, requests: Schema.Finite, errors: Schema.Finite, timeTaken: Schema.Array(Schema.Finite), restarts: Schema.Finite })
    )
  })
} satisfies Record<Operation, Schema.Top>

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 300)

/**
 * Read a script's answer: the last JSON line it printed, mapped to a
 * DeployTargetError when it failed (the script's own reason; without a JSON
 * line, access denied in stderr is Forbidden, anything else Rejected with
 * stderr's last line). Upstream text is masked with the run's secrets.
 */
export const read = <S extends Schema.Top & { readonly DecodingServices: never }>(
  server: string,
  op: Operation,
  answer: Answer,
  schema: S,
  secrets: ReadonlyArray<string>
): Effect.Effect<S["Type"], DeployTarget.DeployTargetError> => {
  const mask = (text: string) => oneLine(Redaction.redact(text, secrets))
  const lines = answer.stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith("{"))
  const last = lines.at(-1)
  if (last !== undefined) {
    const reply = decodeReply(last)
    if (Exit.isSuccess(reply)) {
      if (reply.value.ok === false) return Effect.fail(new DeployTarget.DeployTargetError({ reason: reply.value.reason, detail: `${server}: ${op}: ${mask(reply.value.detail)}` }))
      const fields = Schema.decodeUnknownExit(schema)(JSON.parse(last))
      if (Exit.isSuccess(fields)) return Effect.succeed(fields.value)
      return Effect.fail(new DeployTarget.DeployTargetError({ reason: "Rejected", detail: `${server}: ${op} answered an unexpected shape: ${mask(last)}` }))
    }
  }
  const stderr = answer.stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "")
  const text = stderr.join(" ")
  const reason = /Access is denied|insufficient permissions|UnauthorizedAccess/i.test(text) ? "Forbidden" : /is not recognized as|CommandNotFoundException/i.test(text) ? "NotFound" : "Rejected"
  const detail = stderr.at(-1) ?? `exit code ${answer.code ?? "none"} and no answer`
  return Effect.fail(new DeployTarget.DeployTargetError({ reason, detail: `${server}: ${op}: ${mask(detail)}` }))
}
