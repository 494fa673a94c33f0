import QRunCore

/// The result of one preflight scan: findings (most severe first) and what limited the scan.
public struct PreflightReport: Sendable {
    public var findings: [PreflightFinding]
    /// Regular files whose content was read (home credential files and files under the roots).
    public var filesScanned: Int
    /// Sentences about what was skipped or cut short (size caps, unreadable files, file limit).
    public var notes: [String]

    public init(findings: [PreflightFinding], filesScanned: Int, notes: [String]) {
        self.findings = findings
        self.filesScanned = filesScanned
        self.notes = notes
    }

    /// Findings at or above `threshold`.
    public func blocking(at threshold: PreflightSeverity) -> [PreflightFinding] {
        findings.filter { $0.severity >= threshold }
    }

    /// Number of findings per severity, every severity present (zero included).
    public var bySeverity: [String: Value] {
        var counts: [String: Value] = [:]
        for s in PreflightSeverity.allCases {
            counts[s.rawValue] = .int(findings.filter { $0.severity == s }.count)
        }
        return counts
    }

    /// The report as a JSON-shaped value (no credential values in it).
    public func value(failOn threshold: PreflightSeverity) -> [String: Value] {
        ["findings": .array(findings.map(\.value)), "count": .int(findings.count),
         "blocking": .int(blocking(at: threshold).count), "fail_on": .string(threshold.rawValue),
         "by_severity": .object(bySeverity), "files_scanned": .int(filesScanned),
         "notes": .array(notes.map(Value.string))]
    }

    /// One line for people, e.g. "3 long-lived credentials found (1 critical, 2 high)".
    public var summary: String {
        if findings.isEmpty { return "no long-lived credentials found" }
        let parts = PreflightSeverity.allCases.reversed().compactMap { s -> String? in
            let n = findings.filter { $0.severity == s }.count
            return n == 0 ? nil : "\(n) \(s.rawValue)"
        }
        let noun = findings.count == 1 ? "credential" : "credentials"
        return "\(findings.count) long-lived \(noun) found (\(parts.joined(separator: ", ")))"
    }
}
