/// One thing wrong with a runbook, at a position.
public struct RunbookIssue: Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    /// `file:line:col: error: message`
    public var description: String { "\(location): error: \(message)" }
}

/// A runbook was refused. Carries every issue found, in file order.
public struct RunbookValidationError: Error, Sendable, CustomStringConvertible {
    public var issues: [RunbookIssue]

    public init(_ issues: [RunbookIssue]) {
        self.issues = issues.sorted {
            ($0.location.file, $0.location.line, $0.location.column) < ($1.location.file, $1.location.line, $1.location.column)
        }
    }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
