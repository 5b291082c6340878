import Foundation
import PodiumEngine

/// Where a reset schedule's boundaries fall, in its time zone, and what its seasons are
/// called: `2026-12-01` (daily), `2026-W49` (ISO week, from Monday), `2026-12` (monthly).
///
/// A boundary is the schedule's local time on its day (every day, every Monday, the first
/// of the month). On a day when that local time does not exist (the hour a DST change
/// skips) it is the first time after the gap; on a day when it happens twice, the first.
package struct SeasonCalendar: Sendable {
    let schedule: ResetSchedule
    private let calendar: Calendar

    /// Nil for a time zone this machine does not know.
    package init?(_ schedule: ResetSchedule) {
        guard let zone = TimeZone(identifier: schedule.timeZone) else { return nil }
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = zone
        self.schedule = schedule
        self.calendar = calendar
    }

    /// The period that `instant` (ms since the Unix epoch) falls in: when it began and its
    /// season id. O(1).
    package func period(containing instant: Int64) -> (start: Int64, id: String) {
        var day = firstDay(ofPeriodContaining: date(instant))
        if boundary(on: day) > instant { day = shift(day, by: -1) }
        return (boundary(on: day), id(of: day))
    }

    /// The first boundary after `instant`. O(1).
    package func boundary(after instant: Int64) -> Int64 {
        var day = firstDay(ofPeriodContaining: date(instant))
        while boundary(on: day) <= instant { day = shift(day, by: 1) }
        return boundary(on: day)
    }

    /// The local day a period's boundary falls on (year, month, day), for the period whose
    /// first day holds `date`'s local day.
    private func firstDay(ofPeriodContaining date: Date) -> DateComponents {
        var day = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
        switch schedule.every {
        case .daily: break
        case .weekly:
            // weekday: 1 Sunday ... 7 Saturday; ISO weeks begin on Monday.
            day = shift(day, days: -((day.weekday ?? 2) + 5) % 7)
        case .monthly: day.day = 1
        }
        return DateComponents(year: day.year, month: day.month, day: day.day)
    }

    private func shift(_ day: DateComponents, by periods: Int) -> DateComponents {
        switch schedule.every {
        case .daily: shift(day, days: periods)
        case .weekly: shift(day, days: 7 * periods)
        case .monthly: shift(day, months: periods)
        }
    }

    /// Calendar arithmetic at local noon, which every day has once.
    private func shift(_ day: DateComponents, days: Int = 0, months: Int = 0) -> DateComponents {
        var noon = day
        noon.hour = 12
        let base = calendar.date(from: noon) ?? Date(timeIntervalSince1970: 0)
        let moved = calendar.date(byAdding: DateComponents(month: months, day: days), to: base) ?? base
        let result = calendar.dateComponents([.year, .month, .day, .weekday], from: moved)
        return DateComponents(year: result.year, month: result.month, day: result.day, weekday: result.weekday)
    }

    /// The boundary on a local day: the schedule's time, or the first time after a gap.
    private func boundary(on day: DateComponents) -> Int64 {
        let wanted = DateComponents(hour: schedule.minuteOfDay / 60, minute: schedule.minuteOfDay % 60)
        var midnight = day
        midnight.weekday = nil
        let start = calendar.startOfDay(for: calendar.date(from: midnight) ?? Date(timeIntervalSince1970: 0))
        let date =
            schedule.minuteOfDay == 0
            ? start
            : calendar.nextDate(
                after: start.addingTimeInterval(-1), matching: wanted, matchingPolicy: .nextTime, repeatedTimePolicy: .first,
                direction: .forward) ?? start
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    private func id(of day: DateComponents) -> String {
        func two(_ number: Int?) -> String { number.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        let year = day.year.map(String.init) ?? "0"
        switch schedule.every {
        case .daily:
            return "\(year)-\(two(day.month))-\(two(day.day))"
        case .monthly:
            return "\(year)-\(two(day.month))"
        case .weekly:
            var noon = day
            noon.hour = 12
            let week = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: calendar.date(from: noon) ?? Date())
            return "\(week.yearForWeekOfYear.map(String.init) ?? year)-W\(two(week.weekOfYear))"
        }
    }

    private func date(_ instant: Int64) -> Date { Date(timeIntervalSince1970: Double(instant) / 1000) }
}
