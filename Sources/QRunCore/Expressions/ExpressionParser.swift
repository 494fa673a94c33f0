/// Parses the text between `${{` and `}}` into an ``Expression``.
///
/// Grammar (whitespace between tokens is ignored):
///
/// ```
/// expression  := or
/// or          := and ( '||' and )*
/// and         := equality ( '&&' equality )*
/// equality    := comparison ( ( '==' | '!=' ) comparison )*
/// comparison  := unary ( ( '<' | '<=' | '>' | '>=' ) unary )*
/// unary       := '!' unary | primary
/// primary     := literal | call | reference | '(' expression ')'
/// literal     := string | number | 'true' | 'false' | 'null'
/// call        := function '(' ( expression ( ',' expression )* )? ')'
/// function    := 'contains' | 'startsWith' | 'endsWith' | 'join' | 'format' | 'toJSON' | 'length'
/// reference   := identifier ( '.' identifier | '[' integer ']' | '[' string ']' )*
/// identifier  := [A-Za-z_] [A-Za-z0-9_-]*
/// string      := "'" ( any character except "'" | "''" )* "'"
/// number      := '-'? [0-9]+ ( '.' [0-9]+ )?
/// ```
///
/// All binary operators are left-associative. Indexes are literal only (`[0]`, `['key']`), so every
/// reference path is known statically. Function names and arity are checked here, as is a literal
/// `format` template against its argument count.
///
/// Limits: at most ``maximumLength`` characters, and at most ``maximumDepth`` levels of nesting,
/// counting both open parentheses / `!` / call arguments while reading and the height of the
/// resulting tree (so a chain of more than 64 `||` is rejected too).
public enum ExpressionParser {
    /// The longest expression text accepted, in characters.
    public static let maximumLength = 4096

    /// The deepest nesting accepted (parentheses, `!`, calls, and operator tree height).
    public static let maximumDepth = 64

    /// Parses `text` (the part inside `${{ … }}`) into an expression.
    ///
    /// Error offsets are 0-based character offsets within `text`.
    public static func parse(_ text: String) throws(ExpressionError) -> Expression {
        let chars = Array(text)
        if chars.count > maximumLength {
            throw ExpressionError(
                message: "expression is too long (\(chars.count) characters; the limit is \(maximumLength)); "
                    + "split it up or compute the value in a step",
                offset: maximumLength)
        }
        var lexer = Lexer(chars: chars)
        let tokens = try lexer.tokenize()
        var parser = Parser(chars: chars, tokens: tokens)
        let node = try parser.parseBinary(level: 0)
        if parser.current.kind != .end {
            throw parser.unexpected(parser.current)
        }
        return node.expression
    }
}

extension ExpressionParser {
    /// A lexical token with its character range in the expression text.
    struct Token {
        enum Kind: Equatable {
            case identifier(String)
            case integer(Int)
            case decimal(Double)
            case string(String)
            case dot, leftBracket, rightBracket, leftParen, rightParen, comma, not
            case op(Expression.BinaryOperator)
            case end
        }

        var kind: Kind
        var start: Int
        var end: Int
    }

    /// Splits expression text into tokens.
    struct Lexer {
        let chars: [Character]
        var i = 0

        init(chars: [Character]) {
            self.chars = chars
        }

        private func peek(_ ahead: Int = 1) -> Character? {
            i + ahead < chars.count ? chars[i + ahead] : nil
        }

        static func isDigit(_ c: Character?) -> Bool {
            guard let a = c?.asciiValue else { return false }
            return a >= 48 && a <= 57
        }

        static func isIdentifierStart(_ c: Character?) -> Bool {
            guard let a = c?.asciiValue else { return false }
            return (a >= 65 && a <= 90) || (a >= 97 && a <= 122) || a == 95
        }

        static func isIdentifierPart(_ c: Character?) -> Bool {
            isIdentifierStart(c) || isDigit(c) || c == "-"
        }

        mutating func tokenize() throws(ExpressionError) -> [Token] {
            var tokens: [Token] = []
            while true {
                while i < chars.count, chars[i].isWhitespace { i += 1 }
                let start = i
                guard i < chars.count else {
                    tokens.append(Token(kind: .end, start: start, end: start))
                    return tokens
                }
                let c = chars[i]
                func single(_ kind: Token.Kind, length: Int = 1) {
                    i += length
                    tokens.append(Token(kind: kind, start: start, end: i))
                }
                switch c {
                case "'": tokens.append(try string())
                case ".": single(.dot)
                case "[": single(.leftBracket)
                case "]": single(.rightBracket)
                case "(": single(.leftParen)
                case ")": single(.rightParen)
                case ",": single(.comma)
                case "=":
                    guard peek() == "=" else {
                        throw ExpressionError(message: "'=' on its own is not an operator; use '==' to compare values", offset: start)
                    }
                    single(.op(.equal), length: 2)
                case "!":
                    if peek() == "=" { single(.op(.notEqual), length: 2) } else { single(.not) }
                case "<":
                    if peek() == "=" { single(.op(.lessOrEqual), length: 2) } else { single(.op(.less)) }
                case ">":
                    if peek() == "=" { single(.op(.greaterOrEqual), length: 2) } else { single(.op(.greater)) }
                case "&":
                    guard peek() == "&" else {
                        throw ExpressionError(message: "'&' on its own is not an operator; use '&&' for 'and'", offset: start)
                    }
                    single(.op(.and), length: 2)
                case "|":
                    guard peek() == "|" else {
                        throw ExpressionError(message: "'|' on its own is not an operator; use '||' for 'or'", offset: start)
                    }
                    single(.op(.or), length: 2)
                case "\"":
                    throw ExpressionError(
                        message: "double quotes are not allowed; write strings in single quotes, like 'text'", offset: start)
                case "+", "-", "*", "/", "%":
                    if c == "-", Lexer.isDigit(peek()) {
                        tokens.append(try number())
                    } else {
                        throw ExpressionError(message: "unexpected character '\(c)'; arithmetic is not supported in expressions", offset: start)
                    }
                default:
                    if Lexer.isDigit(c) {
                        tokens.append(try number())
                    } else if Lexer.isIdentifierStart(c) {
                        while Lexer.isIdentifierPart(peek(0)) { i += 1 }
                        tokens.append(Token(kind: .identifier(String(chars[start..<i])), start: start, end: i))
                    } else {
                        throw ExpressionError(
                            message: "unexpected character '\(c)'; expressions contain only names, 'strings', numbers, "
                                + "operators (== != < <= > >= && || !), parentheses, commas, dots and [brackets]",
                            offset: start)
                    }
                }
            }
        }

        /// A single-quoted string; `''` stands for one quote.
        private mutating func string() throws(ExpressionError) -> Token {
            let start = i
            i += 1
            var value = ""
            while true {
                guard i < chars.count else {
                    throw ExpressionError(
                        message: "unterminated string literal; add a closing ' (write '' for a quote inside the string)",
                        offset: start)
                }
                if chars[i] == "'" {
                    if peek() == "'" {
                        value.append("'")
                        i += 2
                        continue
                    }
                    i += 1
                    return Token(kind: .string(value), start: start, end: i)
                }
                value.append(chars[i])
                i += 1
            }
        }

        /// An integer or decimal, optionally negative.
        private mutating func number() throws(ExpressionError) -> Token {
            let start = i
            if chars[i] == "-" { i += 1 }
            while Lexer.isDigit(peek(0)) { i += 1 }
            var isDecimal = false
            if peek(0) == "." {
                guard Lexer.isDigit(peek()) else {
                    throw ExpressionError(
                        message: "malformed number '\(String(chars[start...i]))'; a decimal needs digits after the '.', like 1.0",
                        offset: start)
                }
                isDecimal = true
                i += 1
                while Lexer.isDigit(peek(0)) { i += 1 }
            }
            if Lexer.isIdentifierPart(peek(0)) || peek(0) == "." {
                var end = i
                while end < chars.count, Lexer.isIdentifierPart(chars[end]) || chars[end] == "." { end += 1 }
                throw ExpressionError(message: "malformed number '\(String(chars[start..<end]))'", offset: start)
            }
            let text = String(chars[start..<i])
            if isDecimal {
                guard let d = Double(text), d.isFinite else {
                    throw ExpressionError(message: "number \(text) is too large", offset: start)
                }
                return Token(kind: .decimal(d), start: start, end: i)
            }
            guard let n = Int(text) else {
                throw ExpressionError(
                    message: "number \(text) is too large; integers must be between \(Int.min) and \(Int.max)", offset: start)
            }
            return Token(kind: .integer(n), start: start, end: i)
        }
    }

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

        mutating func parseCall(name: String, nameToken: Token) throws(ExpressionError) -> Node {
            guard let function = Expression.Function(rawValue: name) else {
                var message = "unknown function '\(name)'; "
                if let near = Expression.Function.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) {
                    message += "did you mean '\(near.rawValue)'? Names are case-sensitive. "
                }
                message += "functions are \(Expression.Function.nameList)"
                throw ExpressionError(message: message, offset: nameToken.start)
            }
            advance()  // name
            try enter(current)
            advance()  // (
            var arguments: [Expression] = []
            var argumentStarts: [Int] = []
            var height = 0
            if current.kind == .rightParen {
                advance()
            } else {
                while true {
                    argumentStarts.append(current.start)
                    let argument = try parseBinary(level: 0)
                    arguments.append(argument.expression)
                    height = max(height, argument.height)
                    if current.kind == .comma {
                        advance()
                        continue
                    }
                    if current.kind == .rightParen {
                        advance()
                        break
                    }
                    throw unexpected(current, expecting: "',' or ')' in the call to \(name)")
                }
            }
            nesting -= 1
            let count = arguments.count
            let tooFew = count < function.minimumArguments
            let tooMany = function.maximumArguments.map { count > $0 } ?? false
            if tooFew || tooMany {
                let expected: String
                if let maximum = function.maximumArguments, maximum == function.minimumArguments {
                    expected = "\(maximum) argument" + (maximum == 1 ? "" : "s")
                } else if let maximum = function.maximumArguments {
                    expected = "\(function.minimumArguments) or \(maximum) arguments"
                } else {
                    expected = "at least \(function.minimumArguments) argument" + (function.minimumArguments == 1 ? "" : "s")
                }
                throw ExpressionError(
                    message: "function '\(name)' takes \(expected), \(function.signature), but was given \(count)",
                    offset: nameToken.start)
            }
            if function == .format, case .literal(.string(let template)) = arguments[0] {
                do {
                    _ = try ExpressionEvaluator.formatPieces(template, argumentCount: count - 1)
                } catch {
                    throw error.shifted(by: argumentStarts[0])
                }
            }
            height += 1
            if height > ExpressionParser.maximumDepth { throw tooDeep(at: nameToken.start) }
            return Node(expression: .call(function, arguments), height: height)
        }

        mutating func parseReference(root: String) throws(ExpressionError) -> Node {
            var path: [PathComponent] = [.member(root)]
            advance()
            while true {
                switch current.kind {
                case .dot:
                    advance()
                    guard case .identifier(let member) = current.kind else {
                        throw unexpected(current, expecting: "a name after '.' (use [0] for a list item)")
                    }
                    path.append(.member(member))
                    advance()
                case .leftBracket:
                    advance()
                    switch current.kind {
                    case .integer(let n) where n >= 0:
                        path.append(.index(n))
                    case .string(let key):
                        path.append(.member(key))
                    default:
                        throw unexpected(current, expecting: "a list index like [0] or a quoted key like ['name']")
                    }
                    advance()
                    guard current.kind == .rightBracket else {
                        throw unexpected(current, expecting: "']'")
                    }
                    advance()
                default:
                    return Node(expression: .reference(path), height: 0)
                }
            }
        }
    }
}
