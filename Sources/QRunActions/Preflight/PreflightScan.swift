import Foundation

/// The state of one scan: findings keyed by file (or variable) and fingerprint, so a file reached
/// from the home and from a root, or a token written twice in one file (gh's `hosts.yml` does),
/// is reported once, at its first line. Counters and notes. Used by one thread only.
final class PreflightScan {
    let limits: PreflightLimits
    let now: Date
    let shapes = TokenShapes()
    let assignments = CredentialAssignments()
    private var findings: [String: PreflightFinding] = [:]
    private var order: [String] = []
    var filesScanned = 0
    var notes: [String] = []
    var skippedLarge = 0
    var skippedBinary = 0
    var skippedLinks = 0
    var walkTruncated = false
    /// Folders not entered because they are deeper than ``PreflightLimits/maxDepth``.
    var skippedDeep: [String] = []

    init(limits: PreflightLimits, now: Date) {
        self.limits = limits
        self.now = now
    }

    /// Records a finding for `value` (which is hashed here and goes no further), unless the value
    /// is an example or a placeholder (``PreflightPlaceholder``, the one filter every rule shares).
    func add(_ kind: PreflightKind, at location: String, value: String, severity: PreflightSeverity? = nil,
             fix: String? = nil, preview: String? = nil) {
        guard !PreflightPlaceholder.isPlaceholder(value) else { return }
        let f = PreflightFinding(kind: kind.name, location: location, severity: severity ?? kind.severity, fix: fix ?? kind.fix,
                                 fingerprint: PreflightFinding.fingerprint(of: value), preview: preview)
        let key = Self.place(of: location) + "|" + f.fingerprint
        if let existing = findings[key] {
            // Same value in the same place: keep the first line, but the worse severity wins.
            if f.severity > existing.severity { findings[key] = PreflightFinding(
                kind: f.kind, location: existing.location, severity: f.severity, fix: f.fix, fingerprint: f.fingerprint, preview: f.preview) }
            return
        }
        findings[key] = f
        order.append(key)
    }

    /// Records every token shape in `text`, located in `path`.
    func addShapes(in text: PreflightText, path: String) {
        for m in shapes.scan(text, now: now) {
            add(m.kind, at: "\(path):\(m.line)", value: m.value, severity: m.severity, preview: m.preview)
        }
    }

    /// `path` of `path:line`; a location without a line (`env:NAME`, a binary store) as it is.
    static func place(of location: String) -> String {
        guard let colon = location.lastIndex(of: ":") else { return location }
        let tail = location[location.index(after: colon)...]
        return !tail.isEmpty && tail.allSatisfy(\.isNumber) ? String(location[..<colon]) : location
    }

    /// Reads a file's text for scanning, counting it; nil (with a note or a counter) when it
    /// cannot be read, is too large or is binary.
    func readText(_ path: String, asBytes: Bool = false) -> PreflightText? {
        switch PreflightFileContent.read(path, maxBytes: limits.maxFileBytes, asBytes: asBytes) {
        case .text(let s):
            filesScanned += 1
            return PreflightText(s)
        case .binary:
            skippedBinary += 1
        case .tooLarge:
            skippedLarge += 1
        case .unreadable:
            notes.append("could not read \(path); check it by hand")
        }
        return nil
    }

    /// The findings, most severe first, then by location.
    func report() -> PreflightReport {
        var n = notes
        if skippedLarge > 0 { n.append("skipped \(skippedLarge) file(s) larger than \(limits.maxFileBytes) bytes") }
        if skippedBinary > 0 { n.append("skipped \(skippedBinary) binary file(s)") }
        if skippedLinks > 0 { n.append("did not follow \(skippedLinks) symbolic link(s) under the scanned paths") }
        if let first = skippedDeep.first {
            n.append("did not enter \(skippedDeep.count) folder(s) at the depth limit (\(limits.maxDepth) levels below a scanned path), "
                + "first \(first); pass it as a --path to scan it")
        }
        if walkTruncated { n.append("stopped after \(limits.maxFiles) files; scan narrower paths to cover the rest") }
        let list = order.compactMap { findings[$0] }.sorted {
            $0.severity != $1.severity ? $0.severity > $1.severity : $0.location < $1.location
        }
        return PreflightReport(findings: list, filesScanned: filesScanned, notes: n)
    }
}
