import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A process as the kernel knows it: pid, its start time (in clock ticks since boot, field 22 of
/// `/proc/PID/stat`) and the boot it belongs to. A pid alone is reused; the three together are not.
public struct ProcessIdentity: Sendable, Equatable {
    public var pid: Int32
    public var startTime: String
    public var bootID: String

    /// This process.
    public static let current = ProcessIdentity(pid: getpid(), startTime: startTime(of: getpid()) ?? "?", bootID: bootID)

    /// This machine's boot id (`/proc/sys/kernel/random/boot_id`).
    public static let bootID: String = {
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown-boot"
    }()

    /// Field 22 of `/proc/PID/stat`, or nil when no such process exists.
    public static func startTime(of pid: Int32) -> String? {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may hold spaces and parentheses) start at field 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        let state = fields[0]
        if state == "Z" || state == "X" { return nil }
        return String(fields[19])
    }

    /// Whether this exact process is still running on this boot.
    public var isAlive: Bool {
        bootID == Self.bootID && Self.startTime(of: pid) == startTime
    }
}
