/// A cheap lexical pass over YAML text that bounds its nesting before the parser sees it.
///
/// The YAML composer recurses once per nesting level, so a megabyte of `[[[[…` would exhaust the
/// stack before any structural check could run. This scan over-estimates depth (it counts indent
/// steps, `- ` markers and flow brackets), which is safe: the exact limit is enforced afterwards on
/// the composed tree; this guard only has to be conservative and linear.
enum YAMLPrescan {
    /// The deepest estimated nesting and the 1-based line and column where it is reached.
    static func estimateDepth(_ text: String) -> (depth: Int, line: Int, column: Int) {
        var best = (depth: 0, line: 1, column: 1)
        var indents: [Int] = []
        var flow = 0
        var lineNo = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = rawLine.utf8
            var col = 0
            var it = line.makeIterator()
            var bytes: [UInt8] = []
            bytes.reserveCapacity(line.count)
            while let b = it.next() { bytes.append(b) }
            while col < bytes.count, bytes[col] == UInt8(ascii: " ") { col += 1 }
            if col == bytes.count || bytes[col] == UInt8(ascii: "#") { continue }
            if flow == 0 {
                while let last = indents.last, last > col { indents.removeLast() }
                if indents.last != col { indents.append(col) }
            }
            var dashes = 0
            var i = col
            while i + 1 < bytes.count, bytes[i] == UInt8(ascii: "-"), bytes[i + 1] == UInt8(ascii: " ") {
                dashes += 1
                i += 2
                while i < bytes.count, bytes[i] == UInt8(ascii: " ") { i += 1 }
            }
            var quote: UInt8 = 0
            var maxFlowOnLine = flow
            var maxCol = i
            while i < bytes.count {
                let b = bytes[i]
                if quote != 0 {
                    if b == quote { quote = 0 }
                } else if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                    quote = b
                } else if b == UInt8(ascii: "#"), i > 0, bytes[i - 1] == UInt8(ascii: " ") {
                    break
                } else if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") {
                    flow += 1
                    if flow > maxFlowOnLine { maxFlowOnLine = flow; maxCol = i }
                } else if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") {
                    flow = max(0, flow - 1)
                }
                i += 1
            }
            let depth = indents.count + dashes + maxFlowOnLine
            if depth > best.depth { best = (depth, lineNo, maxCol + 1) }
        }
        return best
    }
}
