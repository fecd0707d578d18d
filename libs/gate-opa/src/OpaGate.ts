import { Redaction } from "@rollwise/redaction"
import { Gates } from "@rollwise/slo-policy"
import { Duration, Effect, Redacted } from "effect"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"

/** Credentials for OPA's token authentication (`--authentication=token`); never logged. */
export interface OpaAuth {
  readonly token?: Redacted.Redacted<string>
}

/**
 * Ask OPA's REST data API, `POST <url>/v1/data/<path>` with `{"input": …}`,
 * and read the gate's answer from the `result` document (see
 * `Gates.interpretOpa`). Never fails: an unreachable server, a timeout, a
 * non-200 answer or a body that is not JSON becomes a block (or a pass when
 * the policy says `failOpen`), with the reason in words. Every reason
 * (OPA's error message, the policy's own reasons) passes through the one
 * redaction function before it is recorded: a proxy or a policy that echoes
 * the request's credentials must not carry them into the evidence.
 */
export const ask = Effect.fn("OpaGate.ask")(function* (opa: Gates.Opa, input: Gates.OpaInput, auth: OpaAuth = {}) {
  const client = yield* HttpClient.HttpClient
  const url = `${opa.url.replace(/\/+$/, "")}/v1/data/${opa.path}`
  const base = HttpClientRequest.post(url).pipe(HttpClientRequest.acceptJson, HttpClientRequest.bodyJsonUnsafe({ input }))
  const request = auth.token === undefined ? base : HttpClientRequest.bearerToken(base, Redacted.value(auth.token))
  const timeout = Duration.seconds(opa.timeoutSeconds ?? 5)
  return yield* client.execute(request).pipe(
    Effect.flatMap((response) =>
      response.status === 200
        ? HttpClientResponse.filterStatusOk(response).pipe(
            Effect.flatMap((ok) => ok.json),
            Effect.map((body) => Gates.interpretOpa(body, opa.path)),
            Effect.catch(() => Effect.succeed(Gates.opaUnreachable(opa, "answered with a body that is not JSON")))
          )
        : response.json.pipe(
            Effect.map((body) => describeError(response.status, body)),
            Effect.catch(() => Effect.succeed(`HTTP ${response.status}`)),
            Effect.map((detail) => Gates.opaUnreachable(opa, detail))
          )
    ),
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () => Effect.succeed(Gates.opaUnreachable(opa, `no answer within ${Duration.format(timeout)}`))
    }),
    Effect.catch((error) => Effect.succeed(Gates.opaUnreachable(opa, describeTransport(error)))),
    Effect.map((result) => ({ ...result, reasons: result.reasons.map((reason) => Redaction.redact(reason, [auth.token === undefined ? undefined : Redacted.value(auth.token)])) }))
  )
})

const describeError = (status: number, body: unknown): string => {
  const message = typeof body === "object" && body !== null ? (body as { message?: unknown }).message : undefined
  return typeof message === "string" ? `HTTP ${status}: ${message.split("\n")[0]}` : `HTTP ${status}`
}

const describeTransport = (error: unknown): string => {
  const reason = (error as { reason?: { _tag?: string } }).reason?._tag
  return reason === "TransportError" || reason === undefined ? "connection failed" : reason
}
