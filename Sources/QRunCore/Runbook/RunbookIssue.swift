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

    /// Sorts `issues` by position; issues at the same position keep their order.
    public init(_ issues: [RunbookIssue]) {
        self.issues = issues.enumerated().sorted {
            let a = $0.element.location, b = $1.element.location
            return (a.file, a.line, a.column, $0.offset) < (b.file, b.line, b.column, $1.offset)
        }.map(\.element)
    }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
