/// A cheap lexical pass over YAML text that runs before the parser sees it.
///
/// It guards two things the parser cannot be trusted with on hostile input:
///
/// - **Nesting.** The YAML composer recurses once per nesting level, so a megabyte of `[[[[…`
///   would exhaust the stack before any structural check could run. The scan over-estimates depth
///   (it counts indent steps, `- ` markers and flow brackets); the exact limit is enforced
///   afterwards on the composed tree, so this guard only has to be conservative and linear.
/// - **Keys that are not plain scalars.** The composer hashes every mapping key to find
///   duplicates; a key that is an alias (`*bomb : 1`, `? *bomb`, `[*bomb]: 1`) of a structure built
///   from nested aliases is hashed in its fully expanded size, which takes hours. Runbooks never
///   need such keys, so the scan refuses explicit `?` keys, alias keys and collection keys.
///
/// To find those reliably it tracks what matters lexically: quoted scalars (only where a scalar
/// may start, with `''` and `\"` escapes, across lines), comments, flow brackets and block
/// scalars (`|`, `>`), whose content is skipped because it is never YAML structure.
enum YAMLPrescan {
    /// What the scan found.
    struct Result {
        /// The deepest estimated nesting and the 1-based line and column where it is reached.
        var depth = 0
        var depthLine = 1
        var depthColumn = 1
        /// A construct refused before parsing, when there is one.
        var refusal: (line: Int, column: Int, message: String)?
    }

    /// The deepest estimated nesting and where it is reached.
    static func estimateDepth(_ text: String) -> (depth: Int, line: Int, column: Int) {
        let r = scan(text)
        return (r.depth, r.depthLine, r.depthColumn)
    }

    static func scan(_ text: String) -> Result {
        var scanner = Scanner()
        var lineNo = 0
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNo += 1
            scanner.scanLine(Array(rawLine), lineNo: lineNo)
            if scanner.result.refusal != nil { break }
        }
        return scanner.result
    }

    private struct Scanner {
        var result = Result()
        var indents: [Int] = []
        var flow = 0
        var quote: UInt8 = 0
        /// In flow context a scalar may start after `,` on an earlier line, so this survives lines.
        var atValueStart = true
        /// Indentation of the line holding a block scalar header, until its first content line.
        var blockHeaderIndent: Int?
        /// Indentation of a block scalar's content; lines at least this deep (or blank) are skipped.
        var blockContentIndent: Int?
        /// Set when a line ended inside a plain scalar: the indentation of the collection holding
        /// it. Deeper lines continue the scalar (`'` there is text, not a quote) and are skipped.
        var plainParentIndent: Int?

        static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), cr = UInt8(ascii: "\r")

        static func isBlank(_ b: UInt8) -> Bool { b == space || b == tab || b == cr }

        static func isFlowIndicator(_ b: UInt8) -> Bool {
            b == UInt8(ascii: ",") || b == UInt8(ascii: "[") || b == UInt8(ascii: "]")
                || b == UInt8(ascii: "{") || b == UInt8(ascii: "}")
        }

        /// The 1-based column (in Unicode scalars, like the parser) of byte `i`.
        static func column(_ bytes: [UInt8], _ i: Int) -> Int {
            var col = 1
            for b in bytes[..<min(i, bytes.count)] where b & 0xC0 != 0x80 { col += 1 }
            return col
        }

        mutating func refuse(_ bytes: [UInt8], _ i: Int, _ lineNo: Int, _ message: String) {
            result.refusal = (lineNo, Self.column(bytes, i), message)
        }

        mutating func scanLine(_ bytes: [UInt8], lineNo: Int) {
            var indent = 0
            while indent < bytes.count, bytes[indent] == Self.space { indent += 1 }
            let blank = bytes[indent...].allSatisfy(Self.isBlank)
            if let content = blockContentIndent {
                if blank || indent >= content { return }
                blockContentIndent = nil
            }
            if let header = blockHeaderIndent {
                if blank { return }
                blockHeaderIndent = nil
                if indent > header {
                    blockContentIndent = indent
                    return
                }
            }
            if blank { return }
            if let parent = plainParentIndent, quote == 0, flow == 0 {
                if bytes[indent] == UInt8(ascii: "#") {
                    plainParentIndent = nil  // a comment ends a plain scalar
                    return
                }
                if indent > parent {
                    if bytes.indices.contains(where: { $0 > indent && bytes[$0] == UInt8(ascii: "#") && Self.isBlank(bytes[$0 - 1]) }) {
                        plainParentIndent = nil
                    }
                    return
                }
                plainParentIndent = nil
            }
            if quote == 0, flow == 0 {
                if bytes[indent] == UInt8(ascii: "#") { return }
                while let last = indents.last, last > indent { indents.removeLast() }
                if indents.last != indent { indents.append(indent) }
                atValueStart = true
            }
            var dashes = 0
            var maxFlowOnLine = flow
            var maxCol = indent
            var i = quote == 0 ? indent : 0
            // The indentation of the innermost collection on this line: a key's or a '- ' column.
            var parentIndent = indent
            var tokenStart = i
            var lastWasPlain = false
            if quote == 0, flow == 0, indent == 0, bytes.count >= 3,
               bytes[0] == bytes[1], bytes[1] == bytes[2], bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "."),
               bytes.count == 3 || Self.isBlank(bytes[3]) {
                i = 3  // a document marker; what follows it starts a node
            }
            func next(_ k: Int) -> UInt8? { i + k < bytes.count ? bytes[i + k] : nil }
            func endsToken(_ b: UInt8?) -> Bool { b == nil || Self.isBlank(b!) || (flow > 0 && Self.isFlowIndicator(b!)) }
            while i < bytes.count {
                let b = bytes[i]
                if quote == 0, atValueStart, !Self.isBlank(b) { tokenStart = i }
                if quote == UInt8(ascii: "\"") {
                    if b == UInt8(ascii: "\\") { i += 2; continue }
                    if b == quote { quote = 0; atValueStart = false }
                    i += 1
                    continue
                }
                if quote == UInt8(ascii: "'") {
                    if b == quote {
                        if next(1) == quote { i += 2; continue }
                        quote = 0
                        atValueStart = false
                    }
                    i += 1
                    continue
                }
                switch b {
                case Self.space, Self.tab, Self.cr:
                    break
                case UInt8(ascii: "#") where i == 0 || Self.isBlank(bytes[i - 1]):
                    lastWasPlain = false
                    i = bytes.count
                    continue
                case UInt8(ascii: "'"), UInt8(ascii: "\""):
                    if atValueStart { quote = b; lastWasPlain = false } else { atValueStart = false; lastWasPlain = true }
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    if flow > 0 || atValueStart {
                        flow += 1
                        atValueStart = true
                        lastWasPlain = false
                        if flow > maxFlowOnLine { maxFlowOnLine = flow; maxCol = i }
                    } else {
                        atValueStart = false
                        lastWasPlain = true
                    }
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    atValueStart = false
                    lastWasPlain = false
                    if flow > 0 {
                        flow -= 1
                        var k = i + 1
                        while k < bytes.count, Self.isBlank(bytes[k]) { k += 1 }
                        if k < bytes.count, bytes[k] == UInt8(ascii: ":") {
                            refuse(bytes, i, lineNo, "a map key must be a plain string, not a list or a map")
                            return
                        }
                    }
                case UInt8(ascii: ","):
                    atValueStart = flow > 0
                    lastWasPlain = flow == 0
                case UInt8(ascii: ":"):
                    atValueStart = endsToken(next(1))
                    lastWasPlain = !atValueStart
                    if atValueStart, flow == 0 { parentIndent = tokenStart }
                case UInt8(ascii: "?") where atValueStart && endsToken(next(1)):
                    refuse(bytes, i, lineNo, "explicit '?' map keys are not supported in runbooks; write each key as a plain string followed by ':'")
                    return
                case UInt8(ascii: "-") where atValueStart && flow == 0 && endsToken(next(1)):
                    dashes += 1
                    parentIndent = i
                    lastWasPlain = false
                case UInt8(ascii: "*") where atValueStart:
                    let start = i
                    i += 1
                    while i < bytes.count, !Self.isBlank(bytes[i]), !Self.isFlowIndicator(bytes[i]), bytes[i] != UInt8(ascii: ":") { i += 1 }
                    var k = i
                    while k < bytes.count, Self.isBlank(bytes[k]) { k += 1 }
                    if k < bytes.count, bytes[k] == UInt8(ascii: ":") {
                        refuse(bytes, start, lineNo, "an alias (*name) cannot be used as a map key; write the key as a plain string")
                        return
                    }
                    atValueStart = false
                    lastWasPlain = false
                    continue
                case UInt8(ascii: "&"), UInt8(ascii: "!"):
                    // An anchor or a tag comes before the node it names; a scalar may still start.
                    guard atValueStart else { atValueStart = false; lastWasPlain = true; break }
                    while i < bytes.count, !Self.isBlank(bytes[i]), !(flow > 0 && Self.isFlowIndicator(bytes[i])) { i += 1 }
                    continue
                case UInt8(ascii: "|"), UInt8(ascii: ">"):
                    guard atValueStart, flow == 0 else { atValueStart = false; lastWasPlain = true; break }
                    blockHeaderIndent = indent
                    lastWasPlain = false
                    i = bytes.count
                    continue
                default:
                    atValueStart = false
                    lastWasPlain = true
                }
                i += 1
            }
            if quote == 0, flow == 0, lastWasPlain { plainParentIndent = parentIndent }
            let depth = indents.count + dashes + maxFlowOnLine
            if depth > result.depth {
                result.depth = depth
                result.depthLine = lineNo
                result.depthColumn = Self.column(bytes, maxCol)
            }
        }
    }
}
