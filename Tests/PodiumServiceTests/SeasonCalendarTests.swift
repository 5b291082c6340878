import Foundation
import PodiumEngine
import Testing

@testable import PodiumService

/// Where seasons begin and end, and what they are called, across time zones and DST.
struct SeasonCalendarTests {
    static func ms(_ text: String) -> Int64 {
        Int64(((try? Date(text, strategy: .iso8601))?.timeIntervalSince1970 ?? .nan) * 1000)
    }

    static func calendar(_ every: ResetPeriod, _ at: Int = 0, _ zone: String = "UTC") throws -> SeasonCalendar {
        try #require(SeasonCalendar(ResetSchedule(every: every, minuteOfDay: at, timeZone: zone)))
    }

    @Test func dailyWeeklyAndMonthlyPeriodsInUTC() throws {
        let daily = try Self.calendar(.daily)
        #expect(daily.period(containing: Self.ms("2026-12-01T13:00:00Z")) == (Self.ms("2026-12-01T00:00:00Z"), "2026-12-01"))
        #expect(daily.boundary(after: Self.ms("2026-12-01T13:00:00Z")) == Self.ms("2026-12-02T00:00:00Z"))
        // A boundary belongs to the period it begins.
        #expect(daily.period(containing: Self.ms("2026-12-02T00:00:00Z")).id == "2026-12-02")
        #expect(daily.boundary(after: Self.ms("2026-12-02T00:00:00Z")) == Self.ms("2026-12-03T00:00:00Z"))

        let weekly = try Self.calendar(.weekly)
        #expect(weekly.period(containing: Self.ms("2026-12-02T10:00:00Z")) == (Self.ms("2026-11-30T00:00:00Z"), "2026-W49"))
        #expect(weekly.boundary(after: Self.ms("2026-12-02T10:00:00Z")) == Self.ms("2026-12-07T00:00:00Z"))
        // ISO weeks cross the year: 2027-01-01 is a Friday of 2026's 53rd week.
        #expect(weekly.period(containing: Self.ms("2027-01-01T12:00:00Z")) == (Self.ms("2026-12-28T00:00:00Z"), "2026-W53"))
        #expect(weekly.period(containing: Self.ms("2027-01-04T00:00:00Z")).id == "2027-W01")

        let monthly = try Self.calendar(.monthly)
        #expect(monthly.period(containing: Self.ms("2026-12-15T08:00:00Z")) == (Self.ms("2026-12-01T00:00:00Z"), "2026-12"))
        #expect(monthly.boundary(after: Self.ms("2026-12-15T08:00:00Z")) == Self.ms("2027-01-01T00:00:00Z"))
        #expect(monthly.boundary(after: Self.ms("2027-01-31T23:59:59Z")) == Self.ms("2027-02-01T00:00:00Z"))
    }

    @Test func aLocalTimeInAnotherZone() throws {
        // 06:00 in Paris is 05:00Z in winter: at 05:30Z on Dec 2 the day began at 05:00Z.
        let paris = try Self.calendar(.daily, 6 * 60, "Europe/Paris")
        #expect(paris.period(containing: Self.ms("2026-12-02T04:00:00Z")) == (Self.ms("2026-12-01T05:00:00Z"), "2026-12-01"))
        #expect(paris.period(containing: Self.ms("2026-12-02T05:30:00Z")) == (Self.ms("2026-12-02T05:00:00Z"), "2026-12-02"))
        // Midnight in Tokyo is 15:00Z the day before: the id is Tokyo's date.
        let tokyo = try Self.calendar(.monthly, 0, "Asia/Tokyo")
        #expect(tokyo.period(containing: Self.ms("2026-11-30T16:00:00Z")) == (Self.ms("2026-11-30T15:00:00Z"), "2026-12"))
    }

    @Test func daylightSavingChangesMoveTheBoundaryNotTheDay() throws {
        let newYork = try Self.calendar(.daily, 2 * 60 + 30, "America/New_York")
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist: the first
        // time after the gap, 03:00 EDT (07:00Z), ends the day's season.
        #expect(newYork.boundary(after: Self.ms("2026-03-07T07:30:00Z")) == Self.ms("2026-03-08T07:00:00Z"))
        #expect(newYork.period(containing: Self.ms("2026-03-08T07:30:00Z")) == (Self.ms("2026-03-08T07:00:00Z"), "2026-03-08"))
        // The next day 02:30 EDT is 06:30Z: a season of 23.5 hours.
        #expect(newYork.boundary(after: Self.ms("2026-03-08T07:00:00Z")) == Self.ms("2026-03-09T06:30:00Z"))
        // 2026-11-01: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice: the first.
        let fallBack = try Self.calendar(.daily, 90, "America/New_York")
        #expect(fallBack.boundary(after: Self.ms("2026-10-31T12:00:00Z")) == Self.ms("2026-11-01T05:30:00Z"))
        #expect(fallBack.boundary(after: Self.ms("2026-11-01T05:30:00Z")) == Self.ms("2026-11-02T06:30:00Z"))
    }

    @Test func anUnknownTimeZoneIsNoCalendar() {
        #expect(SeasonCalendar(ResetSchedule(every: .daily, timeZone: "Mars/Olympus_Mons")) == nil)
    }
}
