import Foundation

/// A file's text with a line index and regex helpers that report 1-based line numbers.
struct PreflightText {
    let string: String
    let ns: NSString
    private let lineStarts: [Int]

    init(_ string: String) {
        self.string = string
        ns = NSString(string: string)
        var starts = [0]
        var offset = 0
        for unit in string.utf16 {
            offset += 1
            if unit == 0x0A { starts.append(offset) }
        }
        lineStarts = starts
    }

    /// The 1-based line holding the UTF-16 `offset`.
    func line(at offset: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo + 1
    }

    /// The line of the first occurrence of `value`, if it occurs verbatim.
    func line(of value: String) -> Int? {
        let r = ns.range(of: value)
        return r.location == NSNotFound ? nil : line(at: r.location)
    }

    /// One capture per match: its text, line and UTF-16 offset.
    struct Capture {
        var value: String
        var line: Int
        var offset: Int
    }

    /// The `group` capture of every match of `regex`.
    func captures(_ regex: NSRegularExpression, group: Int = 1) -> [Capture] {
        regex.matches(in: string, range: NSRange(location: 0, length: ns.length)).compactMap { m in
            let r = m.range(at: group)
            guard r.location != NSNotFound, r.length > 0 else { return nil }
            return Capture(value: ns.substring(with: r), line: line(at: r.location), offset: r.location)
        }
    }

    /// Compiles a pattern written in this module (a literal, so a failure is a programming error).
    static func regex(_ pattern: String, _ options: NSRegularExpression.Options = []) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern, options: options)
        } catch {
            preconditionFailure("invalid preflight pattern \(pattern): \(error)")
        }
    }
}

/// What reading a file for scanning gave.
enum PreflightFileContent {
    case text(String)
    case binary
    case tooLarge
    case unreadable
}

extension PreflightFileContent {
    /// Reads at most `maxBytes` of a regular file; a NUL byte in the first 8 KiB marks it binary.
    /// `asBytes` decodes every byte as Latin-1 instead, for stores such as SQLite files whose
    /// JSON values are searched as raw bytes.
    static func read(_ path: String, maxBytes: Int, asBytes: Bool = false) -> PreflightFileContent {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .unreadable }
        defer { try? handle.close() }
        // read(upToCount:) answers nil at end of file, i.e. for an empty file: that is empty text, not an error.
        let read: Data?
        do { read = try handle.read(upToCount: maxBytes + 1) } catch { return .unreadable }
        let data = read ?? Data()
        if data.count > maxBytes { return .tooLarge }
        if asBytes { return .text(String(String.UnicodeScalarView(data.map { Unicode.Scalar($0) }))) }
        if data.prefix(8192).contains(0) { return .binary }
        return .text(String(decoding: data, as: UTF8.self))
    }
}
