/// A position in a runbook file, 1-based, for `file:line:col` error messages.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:col`.
    public var description: String { "\(file):\(line):\(column)" }

    /// The same file, `delta` columns further right (for a position inside a scalar).
    public func advanced(byColumns delta: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + delta)
    }
}
