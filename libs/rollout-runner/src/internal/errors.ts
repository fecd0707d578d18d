import { Data } from "effect"

/** A setup that cannot run: `field` names the flag or request field at fault. */
export class SetupError extends Data.TaggedError("SetupError")<{ readonly field: string; readonly detail: string }> {
  override get message(): string {
    return `${this.field}: ${this.detail}`
  }
}
