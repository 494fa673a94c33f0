/// The syntax tree of a `${{ … }}` expression, as produced by ``ExpressionParser/parse(_:)``.
///
/// The language is deliberately tiny and side-effect free: literals, references into the run's
/// data (`inputs.region`, `steps.check.outputs.status`, `alert.labels['team']`, `inputs.hosts[0]`),
/// `!`, comparisons, `&&` / `||`, parentheses and a fixed set of pure functions (``Function``).
/// There is no way to run code, read files or touch the environment from an expression.
///
/// Parentheses are not represented: `(a)` parses to the same tree as `a`. `description` prints the
/// expression back in canonical form with only the parentheses that precedence requires.
public indirect enum Expression: Sendable, Hashable {
    /// A literal: `.string`, `.int`, `.double`, `.bool` or `.null` (the parser never produces lists or maps).
    case literal(Value)
    /// A reference path. The first component is always a `.member` (the root name, e.g. `inputs`);
    /// `.name` and `['name']` both become `.member("name")`, `[0]` becomes `.index(0)`.
    case reference([PathComponent])
    /// `!operand`: the negated truthiness of the operand, always a boolean.
    case not(Expression)
    /// `lhs op rhs`.
    case binary(BinaryOperator, Expression, Expression)
    /// A call of one of the built-in pure functions.
    case call(Function, [Expression])

    /// The binary operators, from loosest to tightest: `||`, `&&`, equality (`==`, `!=`),
    /// comparison (`<`, `<=`, `>`, `>=`). All are left-associative.
    public enum BinaryOperator: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// `||`: the left operand if it is truthy, otherwise the right one (short-circuits).
        case or = "||"
        /// `&&`: the left operand if it is falsy, otherwise the right one (short-circuits).
        case and = "&&"
        /// `==`: structural equality, with integers and decimals compared numerically.
        case equal = "=="
        /// `!=`: the negation of `==`.
        case notEqual = "!="
        /// `<` on two numbers or two strings.
        case less = "<"
        /// `<=` on two numbers or two strings.
        case lessOrEqual = "<="
        /// `>` on two numbers or two strings.
        case greater = ">"
        /// `>=` on two numbers or two strings.
        case greaterOrEqual = ">="

        /// The operator as written, e.g. `==`.
        public var description: String { rawValue }

        /// Binding strength: 1 for `||`, 2 for `&&`, 3 for equality, 4 for comparison (higher binds tighter).
        public var precedence: Int {
            switch self {
            case .or: return 1
            case .and: return 2
            case .equal, .notEqual: return 3
            case .less, .lessOrEqual, .greater, .greaterOrEqual: return 4
            }
        }
    }

    /// The built-in functions. Names are case-sensitive; every function is pure.
    public enum Function: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// `contains(haystack, needle)`: substring test when `haystack` is a string (needle must be a
        /// string), membership test (using `==`) when it is a list; `false` when `haystack` is null.
        case contains
        /// `startsWith(s, prefix)`: whether string `s` begins with string `prefix`; `false` when `s` is null.
        case startsWith
        /// `endsWith(s, suffix)`: whether string `s` ends with string `suffix`; `false` when `s` is null.
        case endsWith
        /// `join(list, sep)`: the items' interpolation text joined by `sep` (default `","`);
        /// a string is returned unchanged and null gives `""`.
        case join
        /// `format(template, a, b, …)`: replaces `{0}`, `{1}`, … with the arguments' interpolation
        /// text; `{{` and `}}` stand for literal braces.
        case format
        /// `toJSON(v)`: canonical compact JSON text of any value.
        case toJSON
        /// `length(v)`: number of characters of a string, items of a list or entries of a map; 0 for null.
        case length

        /// The function's name as written in expressions.
        public var description: String { rawValue }

        /// The smallest number of arguments the function accepts.
        public var minimumArguments: Int {
            switch self {
            case .contains, .startsWith, .endsWith: return 2
            case .join, .format, .toJSON, .length: return 1
            }
        }

        /// The largest number of arguments the function accepts, or `nil` for no limit (`format`).
        public var maximumArguments: Int? {
            switch self {
            case .contains, .startsWith, .endsWith, .join: return 2
            case .toJSON, .length: return 1
            case .format: return nil
            }
        }

        /// How the function is called, for error messages, e.g. `contains(haystack, needle)`.
        public var signature: String {
            switch self {
            case .contains: return "contains(haystack, needle)"
            case .startsWith: return "startsWith(text, prefix)"
            case .endsWith: return "endsWith(text, suffix)"
            case .join: return "join(list, separator)"
            case .format: return "format(template, value, …)"
            case .toJSON: return "toJSON(value)"
            case .length: return "length(value)"
            }
        }

        /// All function names, comma-separated, for error messages.
        public static var nameList: String { allCases.map(\.rawValue).joined(separator: ", ") }
    }
}

extension Expression: CustomStringConvertible {
    /// The expression in canonical source form, e.g. `inputs.count > 3 && !(a || b)`.
    ///
    /// For anything the parser produces, parsing the description gives back an equal tree
    /// (decimals print with Swift's `Double` description, so huge or tiny ones use an exponent
    /// the parser does not read).
    public var description: String { text(minimumPrecedence: 0) }

    /// Prints the expression, wrapping it in parentheses when it binds looser than `minimumPrecedence`.
    private func text(minimumPrecedence: Int) -> String {
        switch self {
        case .literal(let value):
            return Expression.literalText(value)
        case .reference(let path):
            return PathComponent.pathText(path)
        case .not(let operand):
            return "!" + operand.text(minimumPrecedence: 5)
        case .binary(let op, let lhs, let rhs):
            let body = lhs.text(minimumPrecedence: op.precedence) + " \(op.rawValue) "
                + rhs.text(minimumPrecedence: op.precedence + 1)
            return op.precedence < minimumPrecedence ? "(" + body + ")" : body
        case .call(let function, let arguments):
            return function.rawValue + "(" + arguments.map { $0.text(minimumPrecedence: 0) }.joined(separator: ", ") + ")"
        }
    }

    /// Source text of a literal value: strings in single quotes with `''` for a quote.
    static func literalText(_ value: Value) -> String {
        switch value {
        case .string(let s): return Expression.quoted(s)
        case .double(let d): return String(d)
        case .null: return "null"
        case .bool, .int: return value.interpolationText
        case .array, .object: return value.jsonText
        }
    }

    /// `s` as a single-quoted string literal.
    static func quoted(_ s: String) -> String {
        var out = "'"
        for c in s {
            if c == "'" { out.append("''") } else { out.append(c) }
        }
        out.append("'")
        return out
    }
}
