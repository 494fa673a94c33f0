/// Evaluates ``Expression`` trees against an ``ExpressionScope``.
///
/// Semantics:
/// - `==` / `!=` compare structurally with no type coercion (`'1' == 1` is false), except that
///   integers and decimals compare numerically (`1 == 1.0`). Lists compare item by item, maps key by key.
/// - `<`, `<=`, `>`, `>=` work on two numbers (integer/decimal mixed exactly) or two strings
///   (Swift `String` order, i.e. lexicographic by Unicode scalars of the canonical form); any other
///   pair is an error naming both types. A comparison involving NaN is false.
/// - `&&` / `||` short-circuit and, like GitHub Actions, return one of their operands:
///   `a && b` is `a` when `a` is falsy, else `b`; `a || b` is `a` when `a` is truthy, else `b`.
///   So `inputs.region || 'us-east-1'` gives a default. Use ``isTruthy(_:)`` for conditions.
/// - `!x` is `.bool(!isTruthy(x))`.
/// - Function arguments are evaluated left to right before the call.
/// - Errors carry offset 0 (the start of the expression); ``Template/render(in:)`` moves them to the
///   segment's `${{`. Messages quote the failing sub-expression in canonical form.
public enum ExpressionEvaluator {
    /// Evaluates `expression` against `scope`.
    public static func evaluate(_ expression: Expression, in scope: any ExpressionScope) throws(ExpressionError) -> Value {
        switch expression {
        case .literal(let value):
            return value
        case .reference(let path):
            do {
                return try scope.resolve(path)
            } catch {
                throw ExpressionError(message: error.message, offset: 0)
            }
        case .not(let operand):
            return .bool(!isTruthy(try evaluate(operand, in: scope)))
        case .binary(.and, let lhs, let rhs):
            let left = try evaluate(lhs, in: scope)
            return isTruthy(left) ? try evaluate(rhs, in: scope) : left
        case .binary(.or, let lhs, let rhs):
            let left = try evaluate(lhs, in: scope)
            return isTruthy(left) ? left : try evaluate(rhs, in: scope)
        case .binary(let op, let lhs, let rhs):
            let left = try evaluate(lhs, in: scope)
            let right = try evaluate(rhs, in: scope)
            switch op {
            case .equal: return .bool(areEqual(left, right))
            case .notEqual: return .bool(!areEqual(left, right))
            default: return .bool(try ordered(left, right, op, in: expression))
            }
        case .call(let function, let arguments):
            var values: [Value] = []
            values.reserveCapacity(arguments.count)
            for argument in arguments {
                values.append(try evaluate(argument, in: scope))
            }
            return try call(function, values, in: expression)
        }
    }

    /// Truthiness: `null`, `false`, `0`, `0.0` (and NaN), `""`, `[]` and `{}` are false; everything else is true.
    public static func isTruthy(_ value: Value) -> Bool {
        switch value {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0 && !d.isNaN
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }
}

extension Expression {
    /// Evaluates the expression against `scope`; the same as ``ExpressionEvaluator/evaluate(_:in:)``.
    public func evaluate(in scope: any ExpressionScope) throws(ExpressionError) -> Value {
        try ExpressionEvaluator.evaluate(self, in: scope)
    }
}
