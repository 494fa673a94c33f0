extension ExpressionEvaluator {
    /// Structural equality used by `==`, `!=` and list `contains`: no coercion between types except
    /// that integers and decimals compare by numeric value.
    public static func areEqual(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.int(let x), .double(let y)): return compare(x, y) == 0
        case (.double(let x), .int(let y)): return compare(y, x) == 0
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for (p, q) in zip(x, y) where !areEqual(p, q) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, p) in x {
                guard let q = y[key], areEqual(p, q) else { return false }
            }
            return true
        default:
            return false
        }
    }

    // MARK: - Comparison

    /// Exact three-way comparison of an integer with a decimal: -1, 0, 1, or `nil` when `d` is NaN.
    static func compare(_ i: Int, _ d: Double) -> Int? {
        if d.isNaN { return nil }
        if d >= 9_223_372_036_854_775_808.0 { return -1 }
        if d < -9_223_372_036_854_775_808.0 { return 1 }
        let whole = d.rounded(.towardZero)
        let wholeInt = Int(whole)
        if i < wholeInt { return -1 }
        if i > wholeInt { return 1 }
        let fraction = d - whole
        return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0)
    }

    /// Three-way comparison for `<` and friends, or `nil` when unordered (NaN).
    static func ordered(_ a: Value, _ b: Value, _ op: Expression.BinaryOperator, in expression: Expression) throws(ExpressionError) -> Bool {
        let order: Int?
        switch (a, b) {
        case (.int(let x), .int(let y)): order = x < y ? -1 : (x > y ? 1 : 0)
        case (.double(let x), .double(let y)): order = x.isNaN || y.isNaN ? nil : (x < y ? -1 : (x > y ? 1 : 0))
        case (.int(let x), .double(let y)): order = compare(x, y)
        case (.double(let x), .int(let y)): order = compare(y, x).map { -$0 }
        case (.string(let x), .string(let y)): order = x < y ? -1 : (x > y ? 1 : 0)
        default:
            var message = "cannot compare \(a.typeName) with \(b.typeName) using '\(op.rawValue)' in '\(expression)'"
            message += "; only two numbers or two strings can be compared"
            if a.isNull || b.isNull { message += " (a missing value is null)" }
            throw ExpressionError(message: message, offset: 0)
        }
        guard let order else { return false }
        switch op {
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        default: return false
        }
    }
}
