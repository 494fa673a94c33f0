import Foundation
import QRunCore
import Testing
@testable import QRunActions

/// The cost exposure window the QPU cancel actions report.
@Suite struct ExposureWindowTests {
    @Test func firstAndLastAreTheEarliestAndLatestCreationTimesInUTC() {
        let w = ExposureWindow(created: ["2026-01-10T12:00:00Z", "2026-01-10T10:00:00.250Z", "2026-01-10T11:00:00Z"])
        #expect(w.outputs == ["first_created": "2026-01-10T10:00:00.250Z", "last_created": "2026-01-10T12:00:00.000Z", "count": 3])
    }

    @Test func anEmptyWindowRendersEmptyTimesAndZero() {
        #expect(ExposureWindow(created: []).outputs == ["first_created": "", "last_created": "", "count": 0])
    }

    @Test func aJobWithoutATimeStillCounts() {
        let w = ExposureWindow(created: ["", "2026-01-10T10:00:00Z"])
        #expect(w.count == 2 && w.first == "2026-01-10T10:00:00.000Z" && w.last == w.first)
    }

    @Test func moneyIsNotReportedNotGuessed() {
        #expect(ExposureWindow.notReported("Amazon Braket", reports: "shots and device") == "not reported: Amazon Braket reports shots and device, not a price")
    }
}
