import Foundation
import QRunCore
#if canImport(Glibc)
import Glibc
#endif

/// How a command talks: to a person on a terminal, or to a program.
enum OutputMode {
    /// Human text with live progress.
    case terminal
    /// One JSON object per progress event, then the summary object (stdout is not a TTY).
    case jsonLines
    /// Exactly one JSON document (`--json`).
    case json

    static func choose(json: Bool) -> OutputMode {
        if json { return .json }
        return isatty(STDOUT_FILENO) == 1 ? .terminal : .jsonLines
    }
}

/// Writes to stdout/stderr without buffering surprises.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func json(_ value: Value, pretty: Bool = true) {
        if pretty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            if let data = try? encoder.encode(value) { out(String(decoding: data, as: UTF8.self)) }
        } else {
            out(value.jsonText)
        }
    }

    static var colors: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
}
