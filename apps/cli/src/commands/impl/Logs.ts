import { Miner } from "@rollwise/log-signatures"
import { Console, Effect, Option } from "effect"
import { Json } from "../../GlobalFlags.ts"
import { CliInputError, note, readText } from "../../internal/Io.ts"
import { inert, table } from "../../internal/Render.ts"
import type { TemplatesFlags } from "../Logs.ts"

/** The lines of a text, one per line: CRLF or LF, and a final newline ends the last line rather than starting an empty one. */
export const splitLines = (text: string): Array<string> => {
  if (text === "") return []
  const lines = text.split(/\r?\n/)
  if (lines.at(-1) === "") lines.pop()
  return lines
}

/** The `logs templates` handler, loaded on demand. */
export const runTemplates = Effect.fn("cli.logs.templates")(function* (flags: TemplatesFlags) {
  const json = yield* Json
  if (Option.isSome(flags.top) && flags.top.value < 1) return yield* new CliInputError({ file: "--top", detail: `${flags.top.value} is out of range: give 1 or more` })
  const lines = splitLines(yield* readText(flags.input))
  const mined = Miner.mine(lines)
  if (json) {
    // one document, written as one string: a million assignments stay one write
    const templates = mined.templates.map((t) => ({ id: t.id, pattern: t.pattern, count: t.count }))
    return yield* Console.log(JSON.stringify({ templates, assignments: Array.from(mined.assignments) }))
  }
  const ranked = [...mined.templates].sort((a, b) => b.count - a.count || a.id - b.id)
  const shown = Option.isSome(flags.top) ? ranked.slice(0, flags.top.value) : ranked
  const share = (count: number) => `${((100 * count) / Math.max(lines.length, 1)).toFixed(1)} %`
  yield* Console.log(table([["id", "count", "share", "pattern"], ...shown.map((t) => [String(t.id), String(t.count), share(t.count), inert(t.pattern)])]))
  yield* note(`${lines.length} lines, ${mined.templates.length} templates${shown.length < ranked.length ? ` (the ${shown.length} most frequent shown)` : ""}`)
})
