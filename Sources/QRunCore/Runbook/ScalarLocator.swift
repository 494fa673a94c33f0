/// Maps a character offset inside a YAML scalar's value back to a line and column of the file.
///
/// An expression error is found at an offset into the scalar's *value*, but the operator needs the
/// place in the *file*: quotes, escapes (`\"`, `''`), folded line breaks and block-scalar
/// indentation all make the two differ. This walks the source text and the value side by side,
/// counting columns in Unicode scalars as libyaml does, so the result agrees with parser marks.
struct ScalarLocator {
    private let lines: [[Unicode.Scalar]]

    init(text: String) {
        lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init)
    }

    private enum Style { case plain, singleQuoted, doubleQuoted, block }

    /// Where the character at `offset` (in `Character`s, as expression errors count) of `value`
    /// stands, given that the scalar node starts at `start`. Falls back to `start` when the text
    /// does not line up (it always does for text the parser produced the value from).
    func location(ofOffset offset: Int, in value: String, at start: SourceLocation) -> SourceLocation {
        let target = value.prefix(max(0, offset)).unicodeScalars.count
        let valueScalars = Array(value.unicodeScalars)
        var cursor = Cursor(lines: lines, line: start.line, column: start.column)
        guard let first = cursor.peek() else { return start }
        let style: Style
        switch first {
        case "\"": style = .doubleQuoted; cursor.advance()
        case "'": style = .singleQuoted; cursor.advance()
        case "|", ">": style = .block; cursor.nextLine()
        default: style = .plain
        }
        var j = 0
        while j < target {
            guard let c = cursor.peek() else { break }
            if style == .doubleQuoted, c == "\\" {
                cursor.advance()
                guard let e = cursor.peek() else { break }
                if e == "\n" || e == "\r" {
                    _ = cursor.skipWhitespaceRun()  // an escaped line break produces nothing
                    continue
                }
                let length: Int
                switch e {
                case "x": length = 3
                case "u": length = 5
                case "U": length = 9
                default: length = 1
                }
                for _ in 0..<length { cursor.advance() }
                j += 1
                continue
            }
            if style == .singleQuoted, c == "'", cursor.peek(1) == "'" {
                cursor.advance()
                cursor.advance()
                j += 1
                continue
            }
            let valueIsSpace = j < valueScalars.count && Self.isSpace(valueScalars[j])
            if Self.isSpace(c) || valueIsSpace {
                let runStart = cursor.position
                let sourceBreaks = cursor.skipWhitespaceRun()
                var k = 0
                while j + k < valueScalars.count, Self.isSpace(valueScalars[j + k]) { k += 1 }
                if target < j + k {
                    if sourceBreaks { return cursor.location(file: start.file) }
                    return SourceLocation(file: start.file, line: runStart.line, column: runStart.column + (target - j))
                }
                j += k
                continue
            }
            cursor.advance()
            j += 1
        }
        // Leading indentation of a block scalar's line is not part of the value.
        if style == .block || cursor.atLineStart { _ = cursor.skipIndentation() }
        return cursor.location(file: start.file)
    }

    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r"
    }

    /// A read position over the lines, 1-based like ``SourceLocation``.
    private struct Cursor {
        let lines: [[Unicode.Scalar]]
        var line: Int
        var column: Int

        var position: (line: Int, column: Int) { (line, column) }
        var atLineStart: Bool { column == 1 }

        func location(file: String) -> SourceLocation {
            SourceLocation(file: file, line: line, column: column)
        }

        /// The scalar `ahead` places on; a line end reads as `\n`; nil past the text.
        func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
            var l = line, c = column
            for _ in 0..<ahead {
                guard l - 1 < lines.count else { return nil }
                if c - 1 < lines[l - 1].count { c += 1 } else { l += 1; c = 1 }
            }
            guard l >= 1, l - 1 < lines.count else { return nil }
            let row = lines[l - 1]
            if c - 1 < row.count { return row[c - 1] }
            return l < lines.count ? "\n" : nil
        }

        mutating func advance() {
            guard line - 1 < lines.count else { return }
            if column - 1 < lines[line - 1].count { column += 1 } else { nextLine() }
        }

        mutating func nextLine() {
            line += 1
            column = 1
        }

        /// Skips spaces, tabs and line breaks; true when a line break was among them.
        mutating func skipWhitespaceRun() -> Bool {
            var sawBreak = false
            while let c = peek(), ScalarLocator.isSpace(c) {
                if c == "\n" { sawBreak = true }
                advance()
            }
            return sawBreak
        }

        mutating func skipIndentation() -> Bool {
            var moved = false
            while let c = peek(), c == " " || c == "\t" { advance(); moved = true }
            return moved
        }
    }
}
