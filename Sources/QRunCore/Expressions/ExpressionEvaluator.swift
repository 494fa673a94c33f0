/// One step of a reference path: `.name` / `['name']` (a map member) or `[0]` (a list item).
public enum PathComponent: Sendable, Hashable, CustomStringConvertible {
    /// A map member, from `.name` or `['name']`.
    case member(String)
    /// A list item, from `[0]`; never negative when produced by the parser.
    case index(Int)

    /// The component as it would be written after a root, e.g. `.status`, `['team name']`, `[0]`.
    public var description: String {
        switch self {
        case .member(let name): return PathComponent.isIdentifier(name) ? "." + name : "[" + Expression.quoted(name) + "]"
        case .index(let i): return "[\(i)]"
        }
    }

    /// A whole path as source text, e.g. `steps.check.outputs['exit code']`.
    public static func pathText(_ path: [PathComponent]) -> String {
        var out = ""
        for (i, component) in path.enumerated() {
            if i == 0, case .member(let root) = component {
                out += root
            } else {
                out += component.description
            }
        }
        return out
    }

    /// Whether `name` is a valid identifier: `[A-Za-z_][A-Za-z0-9_-]*`.
    public static func isIdentifier(_ name: String) -> Bool {
        var first = true
        for c in name {
            guard let a = c.asciiValue else { return false }
            let letter = (a >= 65 && a <= 90) || (a >= 97 && a <= 122) || a == 95
            let other = (a >= 48 && a <= 57) || a == 45
            if first ? !letter : !(letter || other) { return false }
            first = false
        }
        return !first
    }
}

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

/// An ``ExpressionScope`` backed by a single `Value` object whose top-level keys are the roots
/// (typically `inputs`, `steps`, `run`, `alert`, `event`, `env`).
///
/// A reference whose root is not a key of the object throws `unknown name '…'`. Below the root,
/// anything missing (absent key, index out of range, member of a non-map, index into a non-list)
/// resolves to `.null`.
public struct ValueScope: ExpressionScope {
    /// The object whose keys are the root names. If it is not an object, every root is unknown.
    public var value: Value

    /// A scope whose roots are the keys of `value` (an `.object`).
    public init(_ value: Value) {
        self.value = value
    }

    /// A scope with the given roots.
    public init(roots: [String: Value]) {
        self.value = .object(roots)
    }

    /// Resolves `path`: unknown root is an error, anything missing below it is `.null`.
    public func resolve(_ path: [PathComponent]) throws(ExpressionError) -> Value {
        let roots = value.objectValue ?? [:]
        guard case .member(let rootName)? = path.first else {
            throw ExpressionError(message: "a reference must start with a name", offset: 0)
        }
        guard let root = roots[rootName] else {
            let known = roots.keys.sorted()
            let list = known.isEmpty ? "nothing can be referenced here" : "names available here are " + known.joined(separator: ", ")
            throw ExpressionError(message: "unknown name '\(rootName)'; \(list)", offset: 0)
        }
        return ValueScope.navigate(root, along: path.dropFirst())
    }

    /// Walks `path` down from `value`; anything missing along the way gives `.null`.
    public static func navigate(_ value: Value, along path: some Sequence<PathComponent>) -> Value {
        var current = value
        for component in path {
            switch (component, current) {
            case (.member(let key), .object(let map)):
                current = map[key] ?? .null
            case (.index(let i), .array(let items)):
                current = i >= 0 && i < items.count ? items[i] : .null
            default:
                return .null
            }
        }
        return current
    }
}

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
    private static func ordered(_ a: Value, _ b: Value, _ op: Expression.BinaryOperator, in expression: Expression) throws(ExpressionError) -> Bool {
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

    // MARK: - Functions

    /// `typeName` with an indefinite article, e.g. `an integer`, `a map`, `null`.
    private static func described(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .int: return "an integer"
        default: return "a " + value.typeName
        }
    }

    /// Calls a built-in function on already evaluated arguments (arity was checked by the parser,
    /// but is checked again for hand-built trees).
    private static func call(_ function: Expression.Function, _ args: [Value], in expression: Expression) throws(ExpressionError) -> Value {
        func fail(_ message: String) -> ExpressionError {
            ExpressionError(message: "\(function.rawValue): \(message), in '\(expression)'", offset: 0)
        }
        if args.count < function.minimumArguments || (function.maximumArguments.map { args.count > $0 } ?? false) {
            throw fail("wrong number of arguments; call it as \(function.signature)")
        }
        switch function {
        case .contains:
            switch args[0] {
            case .null:
                return false
            case .string(let haystack):
                guard case .string(let needle) = args[1] else {
                    throw fail("when the first argument is a string the second must be a string too, but it is \(described(args[1]))")
                }
                return .bool(needle.isEmpty || haystack.contains(needle))
            case .array(let items):
                for item in items where areEqual(item, args[1]) { return true }
                return false
            default:
                throw fail("the first argument must be a string or a list, but it is \(described(args[0]))")
            }
        case .startsWith, .endsWith:
            let what = function == .startsWith ? "prefix" : "suffix"
            guard case .string(let affix) = args[1] else {
                throw fail("the \(what) must be a string, but it is \(described(args[1]))")
            }
            switch args[0] {
            case .null: return false
            case .string(let s): return .bool(function == .startsWith ? s.hasPrefix(affix) : s.hasSuffix(affix))
            default: throw fail("the first argument must be a string, but it is \(described(args[0]))")
            }
        case .join:
            var separator = ","
            if args.count > 1 {
                guard case .string(let s) = args[1] else {
                    throw fail("the separator must be a string, but it is \(described(args[1]))")
                }
                separator = s
            }
            switch args[0] {
            case .null: return ""
            case .string(let s): return .string(s)
            case .array(let items): return .string(items.map(\.interpolationText).joined(separator: separator))
            default: throw fail("the first argument must be a list, but it is \(described(args[0]))")
            }
        case .format:
            guard case .string(let template) = args[0] else {
                throw fail("the first argument must be a string, but it is \(described(args[0]))")
            }
            let pieces: [FormatPiece]
            do {
                pieces = try formatPieces(template, argumentCount: args.count - 1)
            } catch {
                throw ExpressionError(message: "\(error.message), in '\(expression)'", offset: 0)
            }
            var out = ""
            for piece in pieces {
                switch piece {
                case .text(let t): out += t
                case .argument(let n): out += args[n + 1].interpolationText
                }
            }
            return .string(out)
        case .toJSON:
            return .string(args[0].jsonText)
        case .length:
            switch args[0] {
            case .null: return 0
            case .string(let s): return .int(s.count)
            case .array(let a): return .int(a.count)
            case .object(let o): return .int(o.count)
            default: throw fail("the argument must be a string, a list or a map, but it is \(described(args[0]))")
            }
        }
    }

    /// A piece of a `format` template.
    enum FormatPiece: Equatable {
        case text(String)
        case argument(Int)
    }

    /// Splits a `format` template into text and `{N}` placeholders, checking that every placeholder
    /// names one of `argumentCount` values. Used at evaluation time and, for literal templates, by the parser.
    static func formatPieces(_ template: String, argumentCount: Int) throws(ExpressionError) -> [FormatPiece] {
        let chars = Array(template)
        var pieces: [FormatPiece] = []
        var text = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "{" {
                if i + 1 < chars.count, chars[i + 1] == "{" {
                    text.append("{")
                    i += 2
                    continue
                }
                var j = i + 1
                var digits = ""
                while j < chars.count, let a = chars[j].asciiValue, a >= 48, a <= 57 {
                    digits.append(chars[j])
                    j += 1
                }
                guard !digits.isEmpty, digits.count <= 6, j < chars.count, chars[j] == "}", let n = Int(digits) else {
                    throw ExpressionError(
                        message: "format: the template has a '{' that is not a placeholder like {0}; write '{{' for a literal brace",
                        offset: 0)
                }
                guard n < argumentCount else {
                    let have = argumentCount == 1 ? "only 1 value follows" : (argumentCount == 0 ? "no values follow" : "only \(argumentCount) values follow")
                    throw ExpressionError(
                        message: "format: the template uses {\(n)} but \(have) it (placeholders count from {0})",
                        offset: 0)
                }
                if !text.isEmpty { pieces.append(.text(text)); text = "" }
                pieces.append(.argument(n))
                i = j + 1
            } else if c == "}" {
                guard i + 1 < chars.count, chars[i + 1] == "}" else {
                    throw ExpressionError(
                        message: "format: the template has a '}' without a matching '{'; write '}}' for a literal brace",
                        offset: 0)
                }
                text.append("}")
                i += 2
            } else {
                text.append(c)
                i += 1
            }
        }
        if !text.isEmpty { pieces.append(.text(text)) }
        return pieces
    }
}

extension Expression {
    /// Evaluates the expression against `scope`; the same as ``ExpressionEvaluator/evaluate(_:in:)``.
    public func evaluate(in scope: any ExpressionScope) throws(ExpressionError) -> Value {
        try ExpressionEvaluator.evaluate(self, in: scope)
    }
}
