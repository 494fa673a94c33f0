extension ExpressionEvaluator {
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
