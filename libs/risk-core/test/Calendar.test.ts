import { describe, expect, it } from "vitest"
import { Calendar } from "../src/index.ts"

const paris: Calendar.Calendar = {
  timeZone: "Europe/Paris",
  peakHours: [
    { days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "12:00" },
    { days: ["sat"], from: "20:00", to: "24:00" }
  ]
}

describe("Calendar.isPeak", () => {
  it.each([
    // 2025-03-14 is a Friday; Paris is UTC+1 in March before the 30th, UTC+2 in summer
    ["2025-03-14T08:00:00Z", true],
    ["2025-03-14T07:59:59Z", false],
    ["2025-03-14T10:59:00Z", true],
    ["2025-03-14T11:00:00Z", false],
    ["2025-03-14T09:30:00+01:00", true],
    ["2025-07-04T07:00:00Z", true],
    ["2025-07-04T06:59:00Z", false],
    ["2025-03-15T19:30:00Z", true],
    ["2025-03-15T23:30:00Z", false],
    ["2025-03-16T09:30:00+01:00", false]
  ])("%s in Europe/Paris is peak: %s", (time, peak) => {
    expect(Calendar.isPeak(paris, time)).toBe(peak)
  })

  it("uses weekdays 09:00–18:00 UTC by default", () => {
    expect(Calendar.isPeak(Calendar.defaultCalendar, "2025-03-12T17:59:00Z")).toBe(true)
    expect(Calendar.isPeak(Calendar.defaultCalendar, "2025-03-12T18:00:00Z")).toBe(false)
    expect(Calendar.isPeak(Calendar.defaultCalendar, "2025-03-15T12:00:00Z")).toBe(false)
  })

  it("treats an unparseable time as off-peak", () => {
    expect(Calendar.isPeak(Calendar.defaultCalendar, "tomorrow")).toBe(false)
  })
})
