import { Schema } from "effect"

/**
 * One rule for text people will read that came from someone else — an
 * operator's `by` and `reason`, a service name, an upstream error: the
 * characters a terminal acts on rather than prints. C0 controls (escape
 * sequences start with ESC, line breaks start a forged line), DEL, C1
 * controls (U+009B is a one-byte CSI), Unicode line and paragraph
 * separators, and bidirectional overrides and isolates (which reorder what
 * is shown). The HTTP API refuses them in `by`/`reason` (400), the CLI in
 * `--by`/`--reason` (exit 3), and the CLI's human output shows any other
 * occurrence escaped ({@link inert}).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const active = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const named: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }

/** Whether `text` holds a character a terminal would act on. */
export const hasControl = (text: string): boolean => text.search(active) !== -1

/**
 * `text` made inert for a terminal: every active character becomes a
 * visible escape (`\n`, `\x1b`, `\u202e`), so it can neither move the
 * cursor, recolour the screen nor start a line of its own. Printable text,
 * non-ASCII letters and emoji included, is unchanged.
 */
export const inert = (text: string): string =>
  text.replace(active, (c) => named[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`))

/** The schema check of {@link hasControl}: one line of text a terminal prints as it is. */
export const isPlainText = Schema.makeFilter((text: string) => !hasControl(text), {
  expected: "one line of text without control characters or escape sequences"
})
