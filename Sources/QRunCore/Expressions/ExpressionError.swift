/// A problem with a `${{ … }}` expression: a syntax error found while parsing, or a failure
/// (unknown name, impossible comparison, bad function argument) found while evaluating.
///
/// `message` is a plain sentence meant to be shown to an operator as is; `offset` says where the
/// problem is so that callers can turn it into a `file:line:col` location.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A plain sentence describing the problem, e.g. `unexpected ')' after 'inputs.provider =='`.
    public var message: String

    /// 0-based character (`Character`, i.e. grapheme cluster) offset of the problem.
    ///
    /// - For errors thrown by ``ExpressionParser/parse(_:)`` it is the offset within the expression text.
    /// - For errors thrown by ``Template/parse(_:)`` it is the offset within the whole template string.
    /// - For evaluation errors it is `0` (the start of the expression) when thrown by
    ///   ``ExpressionEvaluator/evaluate(_:in:)``, and the offset of the failing segment's `${{`
    ///   when thrown by ``Template/render(in:)``.
    public var offset: Int

    /// Creates an error with a message and a 0-based character offset.
    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    /// The message followed by the 1-based character position, e.g. `unterminated string literal (at character 5)`.
    public var description: String { "\(message) (at character \(offset + 1))" }

    /// The same error with its offset moved `delta` characters to the right, for an expression that
    /// is embedded at character `delta` of a larger string.
    public func shifted(by delta: Int) -> ExpressionError {
        ExpressionError(message: message, offset: offset + delta)
    }
}
