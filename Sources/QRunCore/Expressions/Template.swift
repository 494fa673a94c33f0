/// A runbook string value that may contain `${{ expr }}` segments.
///
/// ```
/// "restart ${{ inputs.service }} in ${{ inputs.region || 'us-east-1' }}"   → always a string
/// "${{ inputs.replicas }}"                                                 → the typed value (e.g. .int(3))
/// ```
///
/// The end of an expression is the first `}}` that is not inside a single-quoted string literal, so
/// `${{ format('{{{0}}}', x) }}` works. There is no escape for a literal `${{`; write `${{ '${{' }}`.
public struct Template: Sendable, Hashable {
    /// A piece of a template.
    public enum Segment: Sendable, Hashable {
        /// Literal text, copied as is.
        case text(String)
        /// A `${{ … }}` expression; `offset` is the 0-based character offset of its `${{` in ``source``.
        case expression(Expression, offset: Int)
    }

    /// The original string.
    public let source: String

    /// Text and expression segments in order; adjacent text is merged and empty text is omitted.
    public let segments: [Segment]

    /// Parses `text`. Syntax errors (including an unclosed `${{`) carry the 0-based character offset
    /// of the problem within the whole of `text`.
    public static func parse(_ text: String) throws(ExpressionError) -> Template {
        let chars = Array(text)
        var segments: [Segment] = []
        var literal = ""
        var i = 0
        while i < chars.count {
            guard chars[i] == "$", i + 2 < chars.count, chars[i + 1] == "{", chars[i + 2] == "{" else {
                literal.append(chars[i])
                i += 1
                continue
            }
            let open = i
            let bodyStart = i + 3
            var j = bodyStart
            var quoteStart: Int?
            var close: Int?
            while j < chars.count {
                let c = chars[j]
                if quoteStart != nil {
                    if c == "'" {
                        if j + 1 < chars.count, chars[j + 1] == "'" {
                            j += 2
                            continue
                        }
                        quoteStart = nil
                    }
                } else if c == "'" {
                    quoteStart = j
                } else if c == "}", j + 1 < chars.count, chars[j + 1] == "}" {
                    close = j
                    break
                }
                j += 1
            }
            guard let close else {
                if let quoteStart {
                    throw ExpressionError(
                        message: "unterminated string literal; add a closing ' (write '' for a quote inside the string)",
                        offset: quoteStart)
                }
                throw ExpressionError(message: "unclosed '${{'; add '}}' to end the expression", offset: open)
            }
            let expression: Expression
            do {
                expression = try ExpressionParser.parse(String(chars[bodyStart..<close]))
            } catch {
                throw error.shifted(by: bodyStart)
            }
            if !literal.isEmpty {
                segments.append(.text(literal))
                literal = ""
            }
            segments.append(.expression(expression, offset: open))
            i = close + 2
        }
        if !literal.isEmpty { segments.append(.text(literal)) }
        return Template(source: text, segments: segments)
    }

    /// Creates a template from already parsed segments (``source`` is only used for display).
    public init(source: String, segments: [Segment]) {
        self.source = source
        self.segments = segments
    }

    /// Whether the string contains no `${{ … }}` at all.
    public var isLiteral: Bool { expressions.isEmpty }

    /// Whether the string is exactly one `${{ … }}` with nothing outside it, so that ``render(in:)``
    /// returns the expression's typed value instead of a string.
    public var isSingleExpression: Bool {
        if segments.count == 1, case .expression = segments[0] { return true }
        return false
    }

    /// The expressions, in order of appearance.
    public var expressions: [Expression] {
        segments.compactMap { segment in
            if case .expression(let expression, _) = segment { return expression }
            return nil
        }
    }

    /// Evaluates the template.
    ///
    /// If the whole string is exactly one `${{ expr }}` (whitespace inside the braces allowed,
    /// nothing outside) the result is the expression's typed value. Otherwise each expression's value
    /// is converted with `Value.interpolationText` (null → `""`, lists/maps → JSON) and everything is
    /// concatenated into a `.string`; a template without expressions renders to its text.
    ///
    /// Evaluation errors carry the offset of the failing segment's `${{` within ``source``.
    public func render(in scope: any ExpressionScope) throws(ExpressionError) -> Value {
        if segments.count == 1, case .expression(let expression, let offset) = segments[0] {
            return try Template.evaluate(expression, at: offset, in: scope)
        }
        var out = ""
        for segment in segments {
            switch segment {
            case .text(let text):
                out += text
            case .expression(let expression, let offset):
                out += try Template.evaluate(expression, at: offset, in: scope).interpolationText
            }
        }
        return .string(out)
    }

    private static func evaluate(_ expression: Expression, at offset: Int, in scope: any ExpressionScope) throws(ExpressionError) -> Value {
        do {
            return try ExpressionEvaluator.evaluate(expression, in: scope)
        } catch {
            throw ExpressionError(message: error.message, offset: offset)
        }
    }
}
