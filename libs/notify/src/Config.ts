/**
 * The `notifications:` section of policy.yaml: which channels hear of which
 * rollout events, and how hard to try. Secrets are references only —
 * `{ env: NAME }` or `{ file: /path }` — resolved by {@link Secrets} when a
 * notification is sent, so a decoded config holds no credential. Webhook
 * URLs are secrets too: a Slack or Teams webhook URL is the credential.
 */
import { Decode, type DecodeError } from "@rollwise/input-schema"
import { Effect, Schema } from "effect"
import { Kind, kinds } from "./RolloutEvent.ts"

const withDefault = <S extends Schema.Top>(schema: S, value: S["Encoded"]) => schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))

const EnvName = Schema.String.check(Schema.isPattern(/^[A-Za-z_][A-Za-z0-9_]*$/, { expected: "an environment variable name" }))
const AbsolutePath = Schema.String.check(Schema.isPattern(/^\/\S.*$/, { expected: "an absolute file path" }))
const NonEmpty = Schema.String.check(Schema.isMinLength(1))
const Name = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { expected: "a name of letters, digits, '.', '_' or '-' (up to 63)" }))
const BaseUrl = Schema.String.check(Schema.isPattern(/^https?:\/\/[^\s/@]+(\/\S*)?$/, { expected: "an http(s) URL without credentials (https://host)" }))

/** Where a secret is read from when a notification is sent: an environment variable, or a file (a mounted Kubernetes secret; one trailing newline is dropped). */
export const SecretRef = Schema.Union([Schema.Struct({ env: EnvName }), Schema.Struct({ file: AbsolutePath })])
/** @see {@link SecretRef} */
export type SecretRef = typeof SecretRef.Type

/** The events a channel hears of. */
const On = Schema.Array(Kind).check(Schema.isMinLength(1))

/** A Slack incoming webhook (`https://hooks.slack.com/services/…`): a Block Kit message. */
export const SlackChannel = Schema.Struct({
  name: Name,
  type: Schema.Literal("slack"),
  /** The webhook URL (the URL is the credential). */
  webhook: SecretRef,
  on: withDefault(On, kinds)
})
/** @see {@link SlackChannel} */
export type SlackChannel = typeof SlackChannel.Type

/** A Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is received"): an Adaptive Card. */
export const TeamsChannel = Schema.Struct({
  name: Name,
  type: Schema.Literal("teams"),
  /** The workflow's URL (its `sig=` query parameter is the credential). */
  webhook: SecretRef,
  on: withDefault(On, kinds)
})
/** @see {@link TeamsChannel} */
export type TeamsChannel = typeof TeamsChannel.Type

/** Your own HTTP endpoint: the versioned `rollwise.notify/v1` JSON body, signed when `secret` is set. */
export const WebhookChannel = Schema.Struct({
  name: Name,
  type: Schema.Literal("webhook"),
  url: SecretRef,
  /** HMAC-SHA256 key for `X-Rollwise-Signature` (over `<timestamp>.<body>`). */
  secret: Schema.optionalKey(SecretRef),
  on: withDefault(On, kinds)
})
/** @see {@link WebhookChannel} */
export type WebhookChannel = typeof WebhookChannel.Type

/** Jira Cloud: email + API token (Basic). Jira Data Center: a personal access token (Bearer). */
export const JiraAuth = Schema.Union([Schema.Struct({ email: NonEmpty, token: SecretRef }), Schema.Struct({ bearer: SecretRef })])
/** @see {@link JiraAuth} */
export type JiraAuth = typeof JiraAuth.Type

/** A Jira incident per event (REST v3 `POST /rest/api/3/issue`), by default on rollback and abort only. */
export const JiraChannel = Schema.Struct({
  name: Name,
  type: Schema.Literal("jira"),
  /** The site, e.g. `https://acme.atlassian.net` (not a secret). */
  url: BaseUrl,
  /** The project key, e.g. `OPS`. */
  project: Schema.String.check(Schema.isPattern(/^[A-Z][A-Z0-9_]{0,254}$/, { expected: "a Jira project key (OPS)" })),
  /** The issue type's name (default `Incident`; `Bug` where the project has no Incident type). */
  issueType: withDefault(NonEmpty, "Incident"),
  /** Issue labels (no spaces); the event's kind is added. */
  labels: withDefault(Schema.Array(Schema.String.check(Schema.isPattern(/^\S+$/, { expected: "a label without spaces" }))), ["rollwise"]),
  priority: Schema.optionalKey(NonEmpty),
  auth: JiraAuth,
  on: withDefault(On, ["rollback", "abort"])
})
/** @see {@link JiraChannel} */
export type JiraChannel = typeof JiraChannel.Type

/** One channel: `type` says which. */
export const Channel = Schema.Union([SlackChannel, TeamsChannel, WebhookChannel, JiraChannel])
/** @see {@link Channel} */
export type Channel = typeof Channel.Type

/** Retries of 429, 5xx and network failures (4xx other than 429 is never retried). */
export const Retry = Schema.Struct({
  /** Attempts in all, the first included (default 3). */
  attempts: withDefault(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 10 })), 3),
  /** Longest single wait; a `Retry-After` asking for longer ends the delivery as failed (default 30). */
  maxWaitSeconds: withDefault(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 600 })), 30),
  /** First backoff when the service names no `Retry-After`, doubled each retry (default 1). */
  backoffSeconds: withDefault(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 60 })), 1)
})
/** @see {@link Retry} */
export type Retry = typeof Retry.Type

/** The `notifications:` section. */
export const Notifications = Schema.Struct({
  channels: Schema.Array(Channel),
  retry: withDefault(Retry, {}),
  /** Longest one HTTP request may take (default 10). */
  timeoutSeconds: withDefault(Schema.Finite.check(Schema.isBetween({ minimum: 0.001, maximum: 300 })), 10)
})
/** @see {@link Notifications} */
export type Notifications = typeof Notifications.Type

/** No channels: nothing is sent. */
export const none: Notifications = { channels: [], retry: { attempts: 3, maxWaitSeconds: 30, backoffSeconds: 1 }, timeoutSeconds: 10 }

const Section = Schema.Struct({ notifications: Notifications })

const channelTypes = ["slack", "teams", "webhook", "jira"] as const

/** Where each channel type keeps its secrets. */
const secretFields: Readonly<Record<(typeof channelTypes)[number], ReadonlyArray<ReadonlyArray<string>>>> = {
  slack: [["webhook"]],
  teams: [["webhook"]],
  webhook: [["url"], ["secret"]],
  jira: [["auth", "token"], ["auth", "bearer"]]
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

/** What is wrong with a secret reference, in words that never repeat what was written (it may be the secret). */
const referenceProblem = (value: unknown): string | undefined => {
  if (!isRecord(value)) return "a secret is a reference, { env: NAME } or { file: /absolute/path }, never the value itself (what was written is not shown)"
  const keys = Object.keys(value)
  if (keys.length !== 1 || (keys[0] !== "env" && keys[0] !== "file")) return "a secret reference has exactly one of env or file"
  const name = value[keys[0]]
  if (keys[0] === "env" && (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))) return "env: expected an environment variable name (what was written is not shown)"
  if (keys[0] === "file" && (typeof name !== "string" || !/^\/\S.*$/.test(name))) return "file: expected an absolute file path (what was written is not shown)"
  return undefined
}

/**
 * The checks made before the schema's, because the schema's messages
 * repeat the input: a webhook URL written where a reference belongs, or a
 * channel of an unknown type (whose whole object the union would echo),
 * must not end up in a log.
 */
const secretsProblem = (section: unknown): { readonly path: string; readonly detail: string } | undefined => {
  const channels = isRecord(section) ? section.channels : undefined
  if (!Array.isArray(channels)) return undefined
  for (const [i, channel] of channels.entries()) {
    if (!isRecord(channel)) return { path: `notifications.channels[${i}]`, detail: "expected a channel (name, type, …)" }
    const type = channel.type
    if (typeof type !== "string" || !(channelTypes as ReadonlyArray<string>).includes(type)) {
      return { path: `notifications.channels[${i}].type`, detail: `expected one of ${channelTypes.join(", ")}` }
    }
    for (const path of secretFields[type as (typeof channelTypes)[number]]) {
      let value: unknown = channel
      for (const key of path) value = isRecord(value) ? value[key] : undefined
      if (value === undefined) continue
      const problem = referenceProblem(value)
      if (problem !== undefined) return { path: `notifications.channels[${i}].${path.join(".")}`, detail: problem }
    }
  }
  return undefined
}

/**
 * Decode the `notifications:` section (the value under the key, parsed from
 * YAML or JSON): one error naming the first bad field as
 * `notifications.channels[1].webhook`. A secret written as a plain string
 * is an error that does not repeat it: a config must not hold one. Channel
 * names must be unique (they are part of the dedupe key).
 */
export const decode = (section: unknown, source = "policy.yaml"): Effect.Effect<Notifications, DecodeError> =>
  Effect.gen(function* () {
    const problem = secretsProblem(section)
    if (problem !== undefined) return yield* Decode.fail({ source, ...problem })
    const { notifications } = yield* Decode.decode(Section, { source })({ notifications: section })
    const seen = new Set<string>()
    for (const [i, channel] of notifications.channels.entries()) {
      if (seen.has(channel.name)) return yield* Decode.fail({ source, path: `notifications.channels[${i}].name`, detail: `"${channel.name}" names another channel already; names must be unique` })
      seen.add(channel.name)
    }
    return notifications
  })

/** The `notifications:` section of a whole policy document, or {@link none} when it has none. */
export const fromPolicy = (policy: unknown, source = "policy.yaml"): Effect.Effect<Notifications, DecodeError> => {
  const section = typeof policy === "object" && policy !== null ? (policy as { notifications?: unknown }).notifications : undefined
  return section === undefined ? Effect.succeed(none) : decode(section, source)
}
