import Yams

/// Finds where a key is written the second time in a map.
///
/// The YAML parser reports a duplicated key at its *first* occurrence, but the line to fix is
/// usually the later one. Given the first key's position, this looks for a sibling written the
/// same way: later in the same flow map on that line, or on a later line at the same indentation
/// before the map ends. When it cannot tell, it returns nil and the first position is used.
enum DuplicateKeyFinder {
    static func secondOccurrence(of key: String, firstAt mark: Mark, in text: String) -> (line: Int, column: Int)? {
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let spellings = [key, "\"\(key)\"", "'\(key)'"]
        func keyAt(_ scalars: [Unicode.Scalar], _ start: Int) -> Bool {
            for spelling in spellings {
                let s = Array(spelling.unicodeScalars)
                guard start + s.count <= scalars.count, Array(scalars[start..<start + s.count]) == s else { continue }
                var k = start + s.count
                while k < scalars.count, scalars[k] == " " || scalars[k] == "\t" { k += 1 }
                if k < scalars.count, scalars[k] == ":" { return true }
            }
            return false
        }
        // Same line, after a ',' of a flow map.
        let first = lines[mark.line - 1]
        var i = mark.column
        while i < first.count {
            if first[i - 1] == "," {
                var k = i
                while k < first.count, first[k] == " " { k += 1 }
                if keyAt(first, k) { return (mark.line, k + 1) }
            }
            i += 1
        }
        // Later lines of a block map: same indentation, until a line indented less.
        let column = mark.column - 1
        for lineNo in mark.line..<lines.count {
            let row = lines[lineNo]
            var indent = 0
            while indent < row.count, row[indent] == " " { indent += 1 }
            if indent == row.count || row[indent] == "#" { continue }
            if indent < column { return nil }
            if indent == column, keyAt(row, indent) { return (lineNo + 1, indent + 1) }
        }
        return nil
    }
}
