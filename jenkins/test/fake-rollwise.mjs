#!/usr/bin/env node
// The rollwise the Groovy tests' `sh` runs: it appends its argv (as one JSON line)
// to $FAKE_ROLLWISE_LOG and answers with the first canned output of the real CLI
// whose `match` tokens all appear in argv (see Harness.respond). No match is exit 2,
// as the real CLI answers a command it does not know.
import { appendFileSync, readFileSync } from "node:fs"

const argv = process.argv.slice(2)
appendFileSync(process.env.FAKE_ROLLWISE_LOG, `${JSON.stringify(argv)}\n`)
const responses = JSON.parse(readFileSync(process.env.FAKE_ROLLWISE_RESPONSES, "utf8"))
const hit = responses.find((r) => r.match.every((token) => argv.includes(token)))
if (hit === undefined) {
  process.stderr.write(`fake rollwise: no canned answer for ${JSON.stringify(argv)}\n`)
  process.exit(2)
}
process.stdout.write(hit.stdout)
process.exit(hit.status)
