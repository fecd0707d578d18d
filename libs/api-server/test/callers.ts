import { request as httpRequest } from "node:http"

/**
 * The integrations' HTTP clients, played as their sources do: the headers
 * they send and nothing more, the URL they compose, and what they make of
 * our status code. Node's `fetch` would add headers of its own (Accept,
 * Accept-Language, Sec-Fetch-Mode, a Node User-Agent), so these go through
 * `node:http` with exactly the headers listed (Node adds only `Host`,
 * `Content-Length` and `Connection`, as Go's and OkHttp's transports do).
 */

/** What came back. */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
  readonly body: string
}

/** One request with exactly these headers. */
export const send = (url: string, options: { readonly method: string; readonly headers: Readonly<Record<string, string>>; readonly body?: string }): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body, "utf8")
    const req = httpRequest(url, { method: options.method, headers: { ...options.headers, ...(body === undefined ? {} : { "Content-Length": String(body.length) }) } }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }))
    })
    req.on("error", reject)
    if (body !== undefined) req.write(body)
    req.end()
  })

/** Go's net/http client headers on every request (transport.go: the default User-Agent, and gzip it asks for itself). */
const goTransport = { "User-Agent": "Go-http-client/1.1", "Accept-Encoding": "gzip" }

/**
 * Flagger, fluxcd/flagger pkg/controller/webhook.go (`callWebhook`, `CallWebhook`, `CallEventWebhook`):
 * `POST <webhook.url>` with the JSON of `CanaryWebhookPayload` (pkg/apis/flagger/v1beta1/canary.go:
 * name, namespace, phase, checksum, metadata) and one header, `Content-Type: application/json`;
 * `CanaryWebhook` has no field for headers or credentials. `r.StatusCode > 202` is an error: the
 * check failed, the weight is held, the promotion waits, or (rollback hook) nothing happens.
 */
export const flagger = async (
  url: string,
  payload: { readonly name: string; readonly namespace: string; readonly phase: string; readonly checksum: string; readonly metadata?: Readonly<Record<string, string>> }
) => {
  const answer = await send(url, { method: "POST", headers: { ...goTransport, "Content-Type": "application/json" }, body: JSON.stringify(payload) })
  return { ...answer, proceeds: answer.status <= 202 }
}

/**
 * Argo Rollouts, argoproj/argo-rollouts metricproviders/webmetric/webmetric.go (`Provider.Run`): the
 * AnalysisTemplate's `headers` set one by one (here `Authorization: Bearer <token>` from a Secret-backed
 * arg), `Content-Type: application/json` because `jsonBody` is set, the method and URL as written. A status
 * outside 200–299 is `MarkMeasurementError` ("received non 2xx response code"): an Error measurement.
 */
export const argoWebMetric = async (url: string, headers: ReadonlyArray<{ readonly key: string; readonly value: string }>, jsonBody: unknown) => {
  const set: Record<string, string> = { ...goTransport }
  for (const { key, value } of headers) set[key] = value
  set["Content-Type"] = "application/json"
  const answer = await send(url, { method: "POST", headers: set, body: JSON.stringify(jsonBody) })
  return { ...answer, measurementError: answer.status < 200 || answer.status >= 300 }
}

/**
 * Kayenta's remote judge, spinnaker/kayenta kayenta-judge/…/judge/RemoteJudge.java: the client comes from
 * `RetrofitClientFactory.createClient(RemoteJudgeService.class, converter, endpoint, okHttpClient)`, the
 * overload without username, password or bearer token, so no Authorization header; `RemoteJudgeService`
 * declares `@POST("/judge")` on Retrofit 1 (`retrofit.http.POST`). The URL: `RetrofitClientFactory` drops
 * a trailing `/` from `kayenta.remote-judge.endpoint.baseUrl`, and Retrofit 1's `RequestBuilder.build()`
 * (square/retrofit, retrofit/src/main/java/retrofit/RequestBuilder.java) appends the method's path to it —
 * the base URL's own path survives. Headers: JacksonConverter's `application/json; charset=UTF-8`, OkHttp's
 * User-Agent and gzip. A non-2xx answer is thrown by `SpinnakerRetrofitErrorHandler`: the judge task fails.
 */
export const kayentaRemoteJudge = async (baseUrl: string, request: unknown) => {
  const trimmed = baseUrl.endsWith("/") ? baseUrl.slice(0, -1) : baseUrl
  const url = `${trimmed}/judge`
  const answer = await send(url, {
    method: "POST",
    headers: { "Content-Type": "application/json; charset=UTF-8", "User-Agent": "okhttp/3.14.9", "Accept-Encoding": "gzip" },
    body: JSON.stringify(request)
  })
  return { ...answer, url, judgeFailed: answer.status < 200 || answer.status >= 300 }
}

/**
 * The Accept header Prometheus scrapes with: prometheus/prometheus scrape/scrape.go `acceptHeader` over
 * config/config.go `DefaultScrapeProtocols` (OpenMetrics 1.0.0, 0.0.1, Prometheus text 1.0.0, 0.0.4) with
 * the default `allow-utf-8` escaping, weights from 0.6 down, then `*\/*`.
 */
export const prometheusAcceptHeader =
  "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"

/**
 * A Prometheus scrape, scrape/scrape.go `targetScraper.scrape`: `GET` with that Accept header,
 * `Accept-Encoding: gzip`, `User-Agent: Prometheus/<version>`, `X-Prometheus-Scrape-Timeout-Seconds`, and
 * the ServiceMonitor endpoint's `authorization: {type: Bearer, credentials: <Secret key>}`
 * (prometheus-operator pkg/apis/monitoring/v1/http_config.go `SafeAuthorization`) as
 * `Authorization: Bearer <secret>`. `readResponse`: any status but 200 fails the scrape (`up` 0).
 */
export const prometheusScrape = async (url: string, bearer?: string) => {
  const answer = await send(url, {
    method: "GET",
    headers: {
      Accept: prometheusAcceptHeader,
      "Accept-Encoding": "gzip",
      "User-Agent": "Prometheus/3.5.0",
      "X-Prometheus-Scrape-Timeout-Seconds": "10",
      ...(bearer === undefined ? {} : { Authorization: `Bearer ${bearer}` })
    }
  })
  return { ...answer, up: answer.status === 200 }
}
