import Foundation
import Testing

@testable import PodiumService

struct RFC3339Tests {
    /// Every millisecond as stored: a Double of seconds printed some of them 1 ms early.
    @Test func timesArePrintedToTheExactMillisecond() {
        #expect(rfc3339(0) == "1970-01-01T00:00:00.000Z")
        #expect(rfc3339(1_764_686_939_179) == "2025-12-02T14:48:59.179Z")
        #expect(rfc3339(1_764_686_939_001) == "2025-12-02T14:48:59.001Z")
        #expect(rfc3339(-1) == "1969-12-31T23:59:59.999Z")
        for milliseconds in stride(from: Int64(1_796_169_600_000), to: 1_796_169_601_000, by: 1) {
            #expect(rfc3339(milliseconds).hasSuffix(String(format: ".%03dZ", Int(milliseconds % 1000))))
        }
    }
}
