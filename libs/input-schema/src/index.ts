/**
 * Decoding untrusted input (files, request bodies) with Effect Schema into
 * typed values, or one-line errors that name the field.
 *
 * @since 0.1.0
 */
export * as Decode from "./Decode.ts"
export { InputError } from "./InputError.ts"
