extension ExpressionParser {
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
}
