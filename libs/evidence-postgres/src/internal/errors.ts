import { Redaction } from "@rollwise/redaction"
import { EvidenceStore } from "@rollwise/rollout-engine"

interface Reason {
  readonly _tag: string
  readonly message?: string
  readonly cause?: unknown
}

const reasonOf = (e: unknown): Reason | undefined => {
  if (typeof e !== "object" || e === null || !("reason" in e)) return undefined
  const reason = (e as { readonly reason: unknown }).reason
  return typeof reason === "object" && reason !== null && "_tag" in reason && typeof reason._tag === "string" ? (reason as Reason) : undefined
}

const field = (value: unknown, name: string): string | undefined => {
  if (typeof value !== "object" || value === null || !(name in value)) return undefined
  const v = (value as Record<string, unknown>)[name]
  return typeof v === "string" && v !== "" ? v : undefined
}

/** One line: PostgreSQL's and Node's messages may span several. */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()

/**
 * What a failed query means for a caller, as one line with every credential
 * redacted (`secrets`: the URL's password and the URL itself). An
 * EvidenceError or LeaseError passes through. SqlError reasons map to:
 * a constraint (unique key, check, a trigger's refusal) → Conflict; a
 * connection, authentication or lock timeout → Unavailable; anything else →
 * Unavailable. The detail carries the server's message and SQLSTATE (or
 * Node's error code), never a stack; the cause keeps only those two.
 */
export const toEvidenceError = (e: unknown, doing: string, secrets: ReadonlyArray<string | undefined>): EvidenceStore.EvidenceError => {
  if (e instanceof EvidenceStore.EvidenceError) return e
  const reason = reasonOf(e)
  const inner = reason?.cause ?? (e instanceof Error ? e : undefined)
  const code = field(inner, "code")
  const raw = field(inner, "message") ?? reason?.message ?? (e instanceof Error ? e.message : String(e))
  const message = oneLine(Redaction.redact(raw, secrets))
  const cause = code === undefined ? { message } : { code, message }
  const detail = (text: string) => oneLine(Redaction.redact(`${doing}: ${text}`, secrets))
  const withCode = code === undefined || message.includes(code) ? message : `${message} (${code})`
  switch (reason?._tag) {
    case "UniqueViolation":
    case "ConstraintError":
      return new EvidenceStore.EvidenceError({ reason: "Conflict", detail: detail(withCode), cause })
    case "ConnectionError":
      return new EvidenceStore.EvidenceError({ reason: "Unavailable", detail: detail(`cannot reach PostgreSQL (${withCode})`), cause })
    case "AuthenticationError":
    case "AuthorizationError":
      return new EvidenceStore.EvidenceError({ reason: "Unavailable", detail: detail(`PostgreSQL refused the credentials or the rights (${withCode})`), cause })
    case "LockTimeoutError":
    case "DeadlockError":
    case "SerializationError":
      return new EvidenceStore.EvidenceError({ reason: "Unavailable", detail: detail(`the rollout stayed locked by another writer (${withCode})`), cause })
    default:
      return new EvidenceStore.EvidenceError({ reason: "Unavailable", detail: detail(withCode), cause })
  }
}
