extension ExpressionEvaluator {
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
    static func call(_ function: Expression.Function, _ args: [Value], in expression: Expression) throws(ExpressionError) -> Value {
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
}
