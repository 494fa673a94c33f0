import Foundation
import QRunCore

/// What `sandbox.kill` stops: exactly one of the keys of its `selector` parameter.
public enum SandboxSelector: Sendable, Equatable {
    /// A process and its tree.
    case pid(Int32)
    /// A file holding the pid of a process whose tree is stopped.
    case pidfile(String)
    /// A cgroup v2 directory and everything below it.
    case cgroup(String)
    /// A container by exact name.
    case container(String)
    /// Every container carrying a `key=value` label.
    case label(String)

    /// The keys `selector` accepts.
    public static let keys = ["pid", "pidfile", "cgroup", "container", "label"]

    /// Parses the `selector` parameter.
    public init(_ value: Value?) throws(ActionError) {
        guard let map = value?.objectValue else {
            throw .invalid("parameter 'selector' is required: a map with exactly one of \(Self.keys.joined(separator: ", "))")
        }
        let given = map.filter { !$0.value.isNull }
        let unknown = given.keys.filter { !Self.keys.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw .invalid("selector has unknown key(s) \(unknown.joined(separator: ", ")); use exactly one of \(Self.keys.joined(separator: ", "))")
        }
        guard given.count == 1, let entry = given.first else {
            throw .invalid("selector must name exactly one of \(Self.keys.joined(separator: ", ")), not \(given.count)")
        }
        let key = entry.key, v = entry.value
        switch key {
        case "pid":
            let n = v.intValue ?? v.stringValue.flatMap { Int($0) }
            guard let n, n > 1, n <= Int(Int32.max) else { throw .invalid("selector.pid must be a process id above 1") }
            self = .pid(Int32(n))
        default:
            guard let s = v.stringValue ?? (v.intValue != nil ? v.interpolationText : nil), !s.isEmpty else {
                throw .invalid("selector.\(key) must be a non-empty string")
            }
            switch key {
            case "pidfile":
                guard s.hasPrefix("/") else { throw .invalid("selector.pidfile must be an absolute path, not '\(s)'") }
                self = .pidfile(s)
            case "cgroup": self = .cgroup(s)
            case "container": self = .container(s)
            default:
                guard let eq = s.firstIndex(of: "="), eq != s.startIndex else {
                    throw .invalid("selector.label must look like key=value, not '\(s)'")
                }
                self = .label(s)
            }
        }
    }

    /// Whether the selector names containers.
    public var isContainer: Bool {
        switch self {
        case .container, .label: return true
        default: return false
        }
    }

    /// Reads a pidfile: `nil` when the file is missing (nothing to stop); throws when unreadable or malformed.
    static func readPidfile(_ path: String) throws(ActionError) -> Int32? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let bytes = ProcTable.readFile(path, limit: 4096) else {
            throw ActionError(message: "cannot read pidfile \(path)", retryable: false)
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let first = text.split(whereSeparator: { $0 == "\n" || $0 == " " }).first.map(String.init) ?? ""
        if text.isEmpty { return nil }
        guard let pid = Int32(first), pid > 1 else {
            throw ActionError(message: "pidfile \(path) does not hold a process id", retryable: false)
        }
        return pid
    }
}
