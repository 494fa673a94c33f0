/// Where expressions look up references.
///
/// The evaluator passes every reference's full path (root first). Implementations decide what a
/// missing value means; the convention (followed by ``ValueScope``) is that an unknown *root* is an
/// error and anything missing below a known root is `.null`. The offset of a thrown error is ignored
/// and replaced by the start of the expression.
public protocol ExpressionScope: Sendable {
    /// The value at `path`, whose first component is always `.member(rootName)`.
    func resolve(_ path: [PathComponent]) throws(ExpressionError) -> Value
}
