extension ExpressionParser {
    /// Recursive-descent parser over the token list.
    struct Parser {
        /// A parsed sub-expression and the height of its tree (leaves are 0, each operator or call adds 1).
        struct Node {
            var expression: Expression
            var height: Int
        }

        /// Binary operator levels from loosest to tightest.
        static let levels: [[Expression.BinaryOperator]] = [
            [.or], [.and], [.equal, .notEqual], [.less, .lessOrEqual, .greater, .greaterOrEqual],
        ]

        let chars: [Character]
        let tokens: [Token]
        var position = 0
        var nesting = 0

        init(chars: [Character], tokens: [Token]) {
            self.chars = chars
            self.tokens = tokens
        }

        var current: Token { tokens[position] }

        mutating func advance() {
            if position < tokens.count - 1 { position += 1 }
        }

        // MARK: Errors

        func tooDeep(at offset: Int) -> ExpressionError {
            ExpressionError(
                message: "expression is nested too deeply (more than \(ExpressionParser.maximumDepth) levels); "
                    + "simplify it or split it across steps",
                offset: offset)
        }

        /// The (trimmed, possibly shortened) source text before `offset`, for "after '…'" messages.
        func prefix(before offset: Int) -> String {
            var slice = chars[0..<offset]
            while let last = slice.last, last.isWhitespace { slice.removeLast() }
            while let first = slice.first, first.isWhitespace { slice.removeFirst() }
            if slice.count > 40 {
                return "…" + String(slice.suffix(40))
            }
            return String(slice)
        }

        /// How a token is named in messages.
        func describe(_ token: Token) -> String {
            if token.kind == .end { return "the end of the expression" }
            var text = String(chars[token.start..<token.end])
            if text.count > 30 { text = String(text.prefix(30)) + "…" }
            switch token.kind {
            case .string: return "string " + text
            case .integer, .decimal: return "number " + text
            default: return "'" + text + "'"
            }
        }

        /// "unexpected X after '…'; expected …" (or "the expression ended after '…'; expected …").
        func unexpected(_ token: Token, expecting: String? = nil) -> ExpressionError {
            let before = prefix(before: token.start)
            if token.kind == .end {
                if before.isEmpty {
                    return ExpressionError(message: "empty expression; write a value or condition between ${{ and }}", offset: token.start)
                }
                var message = "the expression ended after '\(before)'"
                if let expecting { message += "; expected \(expecting)" }
                return ExpressionError(message: message, offset: token.start)
            }
            var message = before.isEmpty
                ? "unexpected \(describe(token)) at the start of the expression"
                : "unexpected \(describe(token)) after '\(before)'"
            if let expecting { message += "; expected \(expecting)" }
            return ExpressionError(message: message, offset: token.start)
        }

        mutating func enter(_ token: Token) throws(ExpressionError) {
            nesting += 1
            if nesting > ExpressionParser.maximumDepth { throw tooDeep(at: token.start) }
        }

        // MARK: Grammar

        mutating func parseBinary(level: Int) throws(ExpressionError) -> Node {
            if level == Parser.levels.count { return try parseUnary() }
            var lhs = try parseBinary(level: level + 1)
            while case .op(let op) = current.kind, Parser.levels[level].contains(op) {
                let opToken = current
                advance()
                let rhs = try parseBinary(level: level + 1)
                let height = max(lhs.height, rhs.height) + 1
                if height > ExpressionParser.maximumDepth { throw tooDeep(at: opToken.start) }
                lhs = Node(expression: .binary(op, lhs.expression, rhs.expression), height: height)
            }
            return lhs
        }

        mutating func parseUnary() throws(ExpressionError) -> Node {
            guard current.kind == .not else { return try parsePrimary() }
            let token = current
            try enter(token)
            advance()
            let operand = try parseUnary()
            nesting -= 1
            let height = operand.height + 1
            if height > ExpressionParser.maximumDepth { throw tooDeep(at: token.start) }
            return Node(expression: .not(operand.expression), height: height)
        }

        mutating func parsePrimary() throws(ExpressionError) -> Node {
            let token = current
            switch token.kind {
            case .integer(let n):
                advance()
                return Node(expression: .literal(.int(n)), height: 0)
            case .decimal(let d):
                advance()
                return Node(expression: .literal(.double(d)), height: 0)
            case .string(let s):
                advance()
                return Node(expression: .literal(.string(s)), height: 0)
            case .leftParen:
                try enter(token)
                advance()
                let inner = try parseBinary(level: 0)
                guard current.kind == .rightParen else {
                    throw unexpected(current, expecting: "')' to close the '(' at character \(token.start + 1)")
                }
                advance()
                nesting -= 1
                return inner
            case .identifier(let name):
                switch name {
                case "true": advance(); return Node(expression: .literal(.bool(true)), height: 0)
                case "false": advance(); return Node(expression: .literal(.bool(false)), height: 0)
                case "null": advance(); return Node(expression: .literal(.null), height: 0)
                default: break
                }
                if position + 1 < tokens.count, tokens[position + 1].kind == .leftParen {
                    return try parseCall(name: name, nameToken: token)
                }
                return try parseReference(root: name)
            default:
                throw unexpected(token, expecting: "a value")
            }
        }
    }
}
