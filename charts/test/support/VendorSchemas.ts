import { array, bool, constant, int, intOrString, map, object, type Shape, str } from "./Strict.ts"

/**
 * Strict shapes of the vendor objects Rollwise's charts and integration docs
 * write, taken from the vendors' own types (read, not copied), limited to the
 * fields those objects may use: a field outside them is an error here, where
 * a cluster would drop or refuse it.
 */

const metadata = object({ name: str({ pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/ }), namespace: str(), labels: map(str()), annotations: map(str()) }, ["name"])

/**
 * fluxcd/flagger @ 15bd6ad555e6c935da55f0ab95977be74c149bd6,
 * pkg/apis/flagger/v1beta1/canary.go: `Canary`, `CanarySpec` (targetRef and
 * service without omitempty: required), `LocalObjectReference` (name
 * required), `CanaryService` (port required), `CanaryAnalysis` (interval and
 * threshold required), `CanaryWebhook` and the `HookType` constants; the
 * webhook's `required: [name, url]`, the type enum (with "") and the timeout
 * pattern `^[0-9]+(m|s)` come from artifacts/flagger/crd.yaml. A webhook has
 * no headers field.
 */
export const hookTypes = ["", "confirm-rollout", "pre-rollout", "rollout", "confirm-promotion", "post-rollout", "event", "rollback", "confirm-traffic-increase"] as const

const localObjectReference = object({ apiVersion: str(), kind: str(), name: str() }, ["name"])

export const flaggerWebhook: Shape = object(
  {
    type: str({ enum: hookTypes }),
    name: str(),
    url: str({ url: true }),
    muteAlert: bool,
    timeout: str({ pattern: /^[0-9]+(m|s)/ }),
    metadata: map(str()),
    retries: int(0),
    disableTLS: bool
  },
  ["name", "url"]
)

export const flaggerCanary: Shape = object(
  {
    apiVersion: constant("flagger.app/v1beta1"),
    kind: constant("Canary"),
    metadata,
    spec: object(
      {
        provider: str(),
        metricsServer: str(),
        targetRef: localObjectReference,
        ingressRef: localObjectReference,
        routeRef: localObjectReference,
        autoscalerRef: object({ apiVersion: str(), kind: str(), name: str() }, ["name"]),
        progressDeadlineSeconds: int(0),
        skipAnalysis: bool,
        revertOnDeletion: bool,
        suspend: bool,
        service: object(
          { name: str(), port: int(1), portName: str(), targetPort: intOrString, appProtocol: str(), portDiscovery: bool, timeout: str(), hosts: array(str()), gateways: array(str()) },
          ["port"]
        ),
        analysis: object(
          {
            interval: str({ pattern: /^([0-9]+(ms|s|m|h))+$/ }),
            iterations: int(0),
            maxWeight: int(0),
            stepWeight: int(0),
            stepWeights: array(int(0)),
            stepWeightPromotion: int(0),
            threshold: int(0),
            webhooks: array(flaggerWebhook)
          },
          ["interval", "threshold"]
        )
      },
      ["targetRef", "service"]
    )
  },
  ["apiVersion", "kind", "metadata", "spec"]
)

/**
 * prometheus-operator/prometheus-operator @ 6adcebc5076c34f4f55f8f5f7b1e528929373ac7:
 * pkg/apis/monitoring/v1/servicemonitor_types.go `ServiceMonitorSpec`
 * (endpoints and selector required); types.go `Endpoint` (port, targetPort,
 * path, scheme with its enum, interval and scrapeTimeout as `Duration` with
 * its pattern, honorLabels, relabelings), `NamespaceSelector` (any,
 * matchNames); http_config.go `HTTPConfigWithoutTLS.Authorization`, a
 * prometheus_types.go `SafeAuthorization` {type (not "basic"), credentials: a
 * SecretKeySelector}. pkg/prometheus/resource_selector.go `checkServiceMonitor`
 * reads that Secret from the ServiceMonitor's own namespace.
 */
const promDuration = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/
const secretKeySelector = object({ name: str({ pattern: /^.+$/ }), key: str({ pattern: /^.+$/ }), optional: bool }, ["key"])
const labelSelector = object({
  matchLabels: map(str()),
  matchExpressions: array(object({ key: str(), operator: str({ enum: ["In", "NotIn", "Exists", "DoesNotExist"] }), values: array(str()) }, ["key", "operator"]))
})
const relabelConfig = object({
  sourceLabels: array(str()),
  separator: str(),
  targetLabel: str(),
  regex: str(),
  modulus: int(0),
  replacement: str(),
  action: str({ enum: ["replace", "keep", "drop", "keepequal", "dropequal", "hashmod", "labelmap", "labeldrop", "labelkeep", "lowercase", "uppercase"] })
})

export const serviceMonitorEndpoint: Shape = object({
  port: str(),
  targetPort: intOrString,
  path: str({ pattern: /^\// }),
  scheme: str({ enum: ["http", "https", "HTTP", "HTTPS"] }),
  interval: str({ pattern: promDuration }),
  scrapeTimeout: str({ pattern: promDuration }),
  honorLabels: bool,
  relabelings: array(relabelConfig),
  metricRelabelings: array(relabelConfig),
  authorization: object({ type: str({ not: /^\s*basic\s*$/i }), credentials: secretKeySelector }, ["credentials"])
})

export const serviceMonitor: Shape = object(
  {
    apiVersion: constant("monitoring.coreos.com/v1"),
    kind: constant("ServiceMonitor"),
    metadata,
    spec: object(
      {
        jobLabel: str(),
        targetLabels: array(str()),
        podTargetLabels: array(str()),
        endpoints: array(serviceMonitorEndpoint, 1),
        selector: labelSelector,
        namespaceSelector: object({ any: bool, matchNames: array(str()) })
      },
      ["endpoints", "selector"]
    )
  },
  ["apiVersion", "kind", "metadata", "spec"]
)

/**
 * spinnaker/kayenta @ a69573be9d8fededacf80817e4151a2c8df41276,
 * kayenta-judge/…/judge/config/RemoteJudgeConfiguration.java
 * (`@ConfigurationProperties("kayenta.remote-judge")`, the judge exists only
 * with `@ConditionalOnProperty("kayenta.remote-judge.enabled")`),
 * RemoteJudgeConfigurationProperties.java (`@NotNull RemoteService endpoint`)
 * and kayenta-core/…/retrofit/config/RemoteService.java (`@NotNull String
 * baseUrl`, its only field): no header or credential settings exist.
 */
export const kayentaRemoteJudgeConfig: Shape = object(
  {
    kayenta: object(
      {
        "remote-judge": object({ enabled: bool, endpoint: object({ baseUrl: str({ url: true }) }, ["baseUrl"]) }, ["enabled", "endpoint"])
      },
      ["remote-judge"]
    )
  },
  ["kayenta"]
)

/**
 * Where Kayenta's remote judge posts, given its baseUrl:
 * RetrofitClientFactory.createClient drops one trailing "/" from baseUrl, and
 * Retrofit 1's RequestBuilder.build() (square/retrofit parent-1.9.0,
 * retrofit/src/main/java/retrofit/RequestBuilder.java) appends the method's
 * path, `@POST("/judge")` in RemoteJudgeService.java, to the endpoint URL
 * with its path kept.
 */
export const kayentaJudgeUrl = (baseUrl: string): string => `${baseUrl.endsWith("/") ? baseUrl.slice(0, -1) : baseUrl}/judge`
