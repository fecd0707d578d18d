/**
 * Notifications from Rollwise itself: on rollback, abort, approval needed
 * and promotion, a message to Slack, Microsoft Teams, your own webhook, and
 * a Jira incident — secrets by reference, retried, deduplicated per rollout
 * event, never able to change a rollout's outcome.
 *
 * @since 0.1.0
 */
export * as RolloutEvent from "./RolloutEvent.ts"
export * as Config from "./Config.ts"
export * as Secrets from "./Secrets.ts"
export * as SentLog from "./SentLog.ts"
export * as Delivery from "./Delivery.ts"
export * as Notifier from "./Notifier.ts"
export * as Slack from "./Slack.ts"
export * as Teams from "./Teams.ts"
export * as Webhook from "./Webhook.ts"
export * as Jira from "./Jira.ts"
