import Foundation
import QRunCore

/// How `qrun serve` was asked to run.
public struct ServeOptions: Sendable {
    public var host: String
    public var port: Int
    /// How long in-flight steps may take to finish after SIGTERM before their runs are left to
    /// the next start.
    public var grace: Duration
    /// How often the daemon looks at the store for changes made by other processes (one look for
    /// all runs).
    public var watchInterval: Duration = .milliseconds(100)

    public init(host: String = "127.0.0.1", port: Int = 8470, grace: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.grace = grace
    }

    /// Parses `HOST:PORT` (`[::1]:PORT` for IPv6).
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        let t = text.trimmingCharacters(in: .whitespaces)
        var host: Substring
        var portText: Substring
        if t.hasPrefix("[") {
            guard let close = t.firstIndex(of: "]"), t[t.index(after: close)...].hasPrefix(":") else { return nil }
            host = t[t.index(after: t.startIndex)..<close]
            portText = t[t.index(close, offsetBy: 2)...]
        } else {
            guard let colon = t.lastIndex(of: ":"), !t[..<colon].contains(":") else { return nil }
            host = t[..<colon]
            portText = t[t.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (String(host), port)
    }
}
