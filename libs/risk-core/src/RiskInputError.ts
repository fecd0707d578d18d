import { Schema } from "effect"

/**
 * What kind of input was wrong. The CLI maps every reason to exit code 3 (bad
 * input); the reason lets callers and tests tell the cases apart without
 * parsing the message.
 */
export const Reason = Schema.Literals([
  "InvalidChangeSet",
  "InvalidPolicy",
  "InvalidHistory",
  "InvalidModel",
  "MissingFeature",
  "NotTrainable",
  "InvalidOptions"
])

/** @see {@link Reason} */
export type Reason = typeof Reason.Type

/**
 * Bad input to risk-core: a ChangeSet, policy, history table or model file
 * that cannot be used as given. `_tag` is `"RiskInputError"` (the CLI maps it to
 * exit code 3). `message` is one line and specific ("row 12, column la:
 * expected a number, got \"abc\""); it never names the file, because the
 * caller knows the file and sets `source` or prefixes it. `row` is the 1-based
 * line number of the input where one applies (the CSV header is line 1), and
 * `field` the column, field path or feature name.
 */
export class RiskInputError extends Schema.TaggedError<RiskInputError>()("RiskInputError", {
  reason: Reason,
  message: Schema.String,
  source: Schema.optionalKey(Schema.String),
  row: Schema.optionalKey(Schema.Int),
  field: Schema.optionalKey(Schema.String)
}) {}
