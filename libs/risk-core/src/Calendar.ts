import { Schema } from "effect"
import { parseIsoInstant } from "./internal/time.ts"

/** Days of the week as they appear in a policy file. */
export const Day = Schema.Literals(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])

/** @see {@link Day} */
export type Day = typeof Day.Type

const hhmm = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/

/** A wall-clock time `HH:MM` (00:00 to 24:00). */
export const ClockTime = Schema.String.check(
  Schema.makeFilter((s: string) => hhmm.test(s) || `expected a time "HH:MM" between 00:00 and 24:00, got "${s}"`)
)

const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5))

/**
 * A weekly window of peak traffic: on each of `days`, from `from` (included)
 * to `to` (excluded), in the calendar's time zone. A window that crosses
 * midnight is written as two windows.
 */
export const PeakWindow = Schema.Struct({
  days: Schema.Array(Day).check(Schema.isMinLength(1)),
  from: ClockTime,
  to: ClockTime
}).check(
  Schema.makeFilter((w) =>
    minutesOf(w.from) < minutesOf(w.to) ||
    `"from" (${w.from}) must be before "to" (${w.to}); split a window that crosses midnight in two`
  )
)

/** @see {@link PeakWindow} */
export type PeakWindow = typeof PeakWindow.Type

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** An IANA time zone name (`Europe/Paris`, `UTC`) that this runtime knows. */
export const TimeZone = Schema.String.check(
  Schema.makeFilter((zone: string) => isTimeZone(zone) || `unknown time zone "${zone}" (use an IANA name such as "Europe/Paris" or "UTC")`)
)

/**
 * When deploys count as peak-hour deploys. Peak hours push the heuristic's
 * score up (feature `peakHour`) and the pace one step toward caution.
 */
export const Calendar = Schema.Struct({
  timeZone: TimeZone,
  peakHours: Schema.Array(PeakWindow)
})

/** @see {@link Calendar} */
export type Calendar = typeof Calendar.Type

/** Weekdays 09:00–18:00, UTC: the default peak hours of a policy. */
export const defaultCalendar: Calendar = {
  timeZone: "UTC",
  peakHours: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" }]
}

const formatters = new Map<string, Intl.DateTimeFormat>()
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    formatters.set(timeZone, f)
  }
  return f
}

/** The weekday and minute of the day of an instant, on the wall clock of `timeZone`. */
export const localTime = (epochMillis: number, timeZone: string): { readonly day: Day; readonly minute: number } => {
  let day: Day = "mon"
  let hour = 0
  let minute = 0
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMillis))) {
    if (part.type === "weekday") day = part.value.slice(0, 3).toLowerCase() as Day
    else if (part.type === "hour") hour = Number(part.value) % 24
    else if (part.type === "minute") minute = Number(part.value)
  }
  return { day, minute: hour * 60 + minute }
}

/**
 * Whether `deployTime` (a strict ISO 8601 instant with a zone) falls in one
 * of the calendar's peak windows. An unparseable time is not peak; ChangeSet
 * decoding has already rejected such times.
 */
export const isPeak = (calendar: Calendar, deployTime: string): boolean => {
  const instant = parseIsoInstant(deployTime)
  if (instant === undefined) return false
  const { day, minute } = localTime(instant, calendar.timeZone)
  return calendar.peakHours.some((w) => w.days.includes(day) && minute >= minutesOf(w.from) && minute < minutesOf(w.to))
}
