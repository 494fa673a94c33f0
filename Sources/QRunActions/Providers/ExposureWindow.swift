import Foundation
import QRunCore

/// The cost exposure of a set of quantum jobs or tasks a leaked credential may have started: the
/// first and last creation time, how many there are, and what the provider itself reports about
/// their size. Neither IBM Quantum nor Amazon Braket returns a price in its API, so the money
/// figure is always "not reported"; qrun does not guess one from a price list.
struct ExposureWindow: Sendable, Equatable {
    /// Creation times (RFC 3339 as the provider gave them) of every job in the window.
    var created: [String] = []
    /// Jobs in the window.
    var count = 0

    init(created: [String]) {
        self.created = created.filter { Timestamp.parse($0) != nil }
        count = created.count
    }

    /// The earliest creation time, normalised to RFC 3339 UTC; nil when no job had one.
    var first: String? { sorted.first.map(Timestamp.format) }
    /// The latest creation time.
    var last: String? { sorted.last.map(Timestamp.format) }

    var sorted: [Date] { created.compactMap(Timestamp.parse).sorted() }

    /// What qrun says about money: the providers do not report it.
    static func notReported(_ provider: String, reports: String) -> String {
        "not reported: \(provider) reports \(reports), not a price"
    }

    /// `first_created`, `last_created` (empty strings when there is no job, so a notification
    /// template always renders) and `count`.
    var outputs: [String: Value] {
        ["first_created": .string(first ?? ""), "last_created": .string(last ?? ""), "count": .int(count)]
    }
}
