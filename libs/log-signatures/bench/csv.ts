/**
 * A small RFC 4180 CSV reader for the Loghub structured files (quoted fields
 * with commas, doubled quotes, CRLF or LF), returning rows of fields.
 */
export const parseCsv = (text: string): Array<Array<string>> => {
  const rows: Array<Array<string>> = []
  let row: Array<string> = []
  let field = ""
  let quoted = false
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text[i]!
    if (quoted) {
      if (c === "\"") {
        if (text[i + 1] === "\"") {
          field += "\""
          i += 2
          continue
        }
        quoted = false
        i++
        continue
      }
      field += c
      i++
      continue
    }
    if (c === "\"") {
      quoted = true
      i++
    } else if (c === ",") {
      row.push(field)
      field = ""
      i++
    } else if (c === "\n" || c === "\r") {
      row.push(field)
      field = ""
      rows.push(row)
      row = []
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1
    } else {
      field += c
      i++
    }
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows
}
