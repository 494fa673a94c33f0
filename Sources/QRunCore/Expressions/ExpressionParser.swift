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
}
