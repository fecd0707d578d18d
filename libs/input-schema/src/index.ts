/**
 * Decoding untrusted input (files, request bodies) with Effect Schema into
 * typed values, or one-line errors that name the field.
 *
 * @since 0.1.0
 */
export * as Decode from "./Decode.ts"
export { DecodeError } from "./DecodeError.ts"

/** The one rule for text people read that came from someone else: what a terminal acts on, refused or shown escaped. */
export * as PlainText from "./PlainText.ts"
