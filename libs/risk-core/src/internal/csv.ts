/** One CSV record and the 1-based line it starts on. */
export interface CsvRecord {
  readonly line: number
  readonly cells: ReadonlyArray<string>
}

/** A CSV syntax problem at a line. */
export class CsvSyntaxError {
  constructor(
    readonly line: number,
    readonly problem: string
  ) {}
}

/**
 * RFC 4180 records: comma-separated, `"` quotes (doubled inside quotes),
 * CRLF or LF line ends, quoted fields may span lines. Blank lines are
 * skipped. Returns a syntax error for an unterminated quote or text after a
 * closing quote.
 */
export const parseCsvRecords = (text: string): ReadonlyArray<CsvRecord> | CsvSyntaxError => {
  const records: Array<CsvRecord> = []
  const n = text.length
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 1
  while (i < n) {
    const startLine = line
    const cells: Array<string> = []
    let atRecordEnd = false
    while (!atRecordEnd) {
      let cell: string
      if (text.charCodeAt(i) === 34 /* " */) {
        let out = ""
        let j = i + 1
        for (;;) {
          const q = text.indexOf('"', j)
          if (q === -1) return new CsvSyntaxError(startLine, "unterminated quoted field")
          const chunk = text.slice(j, q)
          for (let k = 0; k < chunk.length; k++) if (chunk.charCodeAt(k) === 10) line++
          out += chunk
          if (text.charCodeAt(q + 1) === 34) {
            out += '"'
            j = q + 2
          } else {
            i = q + 1
            break
          }
        }
        cell = out
        const c = text.charCodeAt(i)
        if (i < n && c !== 44 && c !== 10 && c !== 13) {
          return new CsvSyntaxError(line, "unexpected text after a closing quote")
        }
      } else {
        let j = i
        while (j < n) {
          const c = text.charCodeAt(j)
          if (c === 44 || c === 10 || c === 13) break
          j++
        }
        cell = text.slice(i, j)
        i = j
      }
      cells.push(cell)
      if (i >= n) atRecordEnd = true
      else {
        const c = text.charCodeAt(i)
        if (c === 44) i++
        else {
          // CR, LF or CRLF ends the record
          i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1
          line++
          atRecordEnd = true
        }
      }
    }
    const blank = cells.length === 1 && cells[0]!.trim() === ""
    if (!blank) records.push({ line: startLine, cells })
  }
  return records
}
