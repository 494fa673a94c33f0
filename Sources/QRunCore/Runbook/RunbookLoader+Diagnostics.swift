import Foundation
import Yams

extension RunbookLoader {
    /// Turns a parser error into an issue at the parser's position, in words an operator can act on.
    func issue(for error: YamlError, path: String, text: String) -> RunbookIssue {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: path, line: mark.line, column: mark.column) }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            if problem.lowercased().contains("nesting level") {
                return RunbookIssue(at(mark), tooDeep)
            }
            var message = "invalid YAML: \(problem)"
            if let context {
                message += " (\(context.text)"
                message += context.mark.line != mark.line || context.mark.column != mark.column
                    ? " that starts at line \(context.mark.line), column \(context.mark.column))" : ")"
            }
            if Self.character(in: text, at: mark) == "\t" {
                message += "; YAML does not allow tabs for indentation, use spaces"
            }
            return RunbookIssue(at(mark), message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            let first = at(context.mark)
            let second = DuplicateKeyFinder.secondOccurrence(of: key, firstAt: context.mark, in: text)
                .map { SourceLocation(file: path, line: $0.line, column: $0.column) }
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            if let second {
                return RunbookIssue(second, "duplicate key \(keys) in the same map (first at line \(first.line)); remove one of them")
            }
            return RunbookIssue(first, "duplicate key \(keys) in the same map; remove one of them")
        case .reader(let problem, let offset, _, _):
            var loc = SourceLocation(file: path, line: 1, column: 1)
            if let offset, offset >= 0 {
                let prefix = text.utf8.prefix(offset)
                let line = prefix.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
                let lastLine = prefix.split(separator: 0x0A, omittingEmptySubsequences: false).last ?? []
                loc = SourceLocation(file: path, line: line, column: lastLine.reduce(1) { $1 & 0xC0 != 0x80 ? $0 + 1 : $0 })
            }
            return RunbookIssue(loc, "cannot read YAML: \(problem)")
        default:
            return RunbookIssue(SourceLocation(file: path, line: 1, column: 1), "cannot parse YAML: \(error)")
        }
    }

    /// The character at a parser mark, when there is one.
    static func character(in text: String, at mark: Mark) -> Unicode.Scalar? {
        var line = 1
        var column = 1
        for c in text.unicodeScalars {
            if line == mark.line && column == mark.column { return c }
            if line > mark.line { return nil }
            if c == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return nil
    }

    /// The byte offset and 1-based line and column of the first byte that is not valid UTF-8.
    static func firstInvalidUTF8(_ data: Data) -> (offset: Int, line: Int, column: Int)? {
        let bytes = [UInt8](data)
        var line = 1, column = 1, i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length: Int
            switch b {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return (i, line, column)
            }
            guard i + length <= bytes.count else { return (i, line, column) }
            for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 { return (i, line, column) }
            if length == 3 {
                let b1 = bytes[i + 1]
                if (b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 > 0x9F) { return (i, line, column) }
            } else if length == 4 {
                let b1 = bytes[i + 1]
                if (b == 0xF0 && b1 < 0x90) || (b == 0xF4 && b1 > 0x8F) { return (i, line, column) }
            }
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
            i += length
        }
        return nil
    }
}
