import Foundation
import QRunCore

/// Collectors of system state from the kernel's own files: processes (`/proc/<pid>/cmdline`,
/// `/proc/<pid>/stat`), sockets (`/proc/net/*`), environment variable names and SDK credential paths.
enum EvidenceSystem {
    /// Every process visible in `/proc`: pid, ppid, state, comm and argv.
    static func processes(proc: String = "/proc") -> [Value] {
        var out: [Value] = []
        for name in EvidenceFiles.children(proc) {
            guard let pid = Int(name) else { continue }
            let base = "\(proc)/\(name)"
            guard let stat = ProcFile.text(base + "/stat") else { continue }
            var record: [String: Value] = ["pid": .int(pid)]
            if let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") {
                record["comm"] = .string(String(stat[stat.index(after: open)..<close]))
                let rest = stat[stat.index(after: close)...].split(separator: " ")
                if rest.count > 1 {
                    record["state"] = .string(String(rest[0]))
                    record["ppid"] = Int(rest[1]).map(Value.int) ?? .null
                }
            }
            let cmd = ProcFile.data(base + "/cmdline") ?? Data()
            let argv = cmd.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            record["argv"] = .array((argv.last == "" ? Array(argv.dropLast()) : argv).map(Value.string))
            out.append(.object(record))
        }
        return out
    }

    /// socket inode → pids holding it, from the `/proc/<pid>/fd` links we may read.
    static func socketOwners(proc: String = "/proc") -> [Int: [Int]] {
        var owners: [Int: [Int]] = [:]
        for name in EvidenceFiles.children(proc) {
            guard let pid = Int(name) else { continue }
            for fd in EvidenceFiles.children("\(proc)/\(name)/fd") {
                guard let link = EvidenceFiles.linkTarget("\(proc)/\(name)/fd/\(fd)"), link.hasPrefix("socket:["),
                      let inode = Int(link.dropFirst(8).dropLast()) else { continue }
                if owners[inode]?.contains(pid) != true { owners[inode, default: []].append(pid) }
            }
        }
        return owners
    }

    static let tcpStates = ["01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
                            "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"]

    /// Sockets of `/proc/net/{tcp,tcp6,udp,udp6,unix}` with their owning pids where visible.
    static func sockets(proc: String = "/proc") -> [Value] {
        let owners = socketOwners(proc: proc)
        var out: [Value] = []
        for proto in ["tcp", "tcp6", "udp", "udp6"] {
            guard let text = ProcFile.text("\(proc)/net/\(proto)") else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count >= 10, let local = address(String(f[1])), let remote = address(String(f[2])) else { continue }
                let inode = Int(f[9]) ?? 0
                out.append(.object([
                    "protocol": .string(proto), "local": .string(local), "remote": .string(remote),
                    "state": .string(tcpStates[String(f[3])] ?? String(f[3])), "inode": .int(inode),
                    "pids": .array((owners[inode] ?? []).map(Value.int)),
                ]))
            }
        }
        if let text = ProcFile.text("\(proc)/net/unix") {
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ", maxSplits: 7, omittingEmptySubsequences: true)
                guard f.count >= 7 else { continue }
                let inode = Int(f[6]) ?? 0
                out.append(.object([
                    "protocol": .string("unix"), "local": .string(f.count > 7 ? String(f[7]) : ""), "remote": .string(""),
                    "state": .string(String(f[5])), "inode": .int(inode), "pids": .array((owners[inode] ?? []).map(Value.int)),
                ]))
            }
        }
        return out
    }

    /// "0100007F:1F90" → "127.0.0.1:8080"; IPv6 as bracketed hex groups.
    static func address(_ text: String) -> String? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1], radix: 16) else { return nil }
        let hex = Array(parts[0])
        guard hex.count == 8 || hex.count == 32 else { return nil }
        // Each 32-bit word is printed in host (little-endian) byte order.
        var bytes: [UInt8] = []
        for word in stride(from: 0, to: hex.count, by: 8) {
            var wordBytes: [UInt8] = []
            for i in stride(from: word, to: word + 8, by: 2) {
                guard let b = UInt8(String(hex[i..<i + 2]), radix: 16) else { return nil }
                wordBytes.append(b)
            }
            bytes += wordBytes.reversed()
        }
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") + ":\(port)" }
        let groups = stride(from: 0, to: 16, by: 2).map { String(format: "%x", Int(bytes[$0]) << 8 | Int(bytes[$0 + 1])) }
        return "[\(groups.joined(separator: ":"))]:\(port)"
    }

    /// Names (never values) of this process's environment variables, sorted.
    static func environmentNames() -> [Value] {
        ProcessInfo.processInfo.environment.keys.sorted().map(Value.string)
    }

    /// Which SDK credential paths exist under `home`, plus `.env` files under `roots`: existence and size only.
    static func sdkPaths(home: String, roots: [String]) -> [Value] {
        var out: [Value] = []
        for rel in [".qiskit", ".aws/credentials", ".azure", ".config/gcloud"] {
            out.append(pathRecord((home as NSString).appendingPathComponent(rel)))
        }
        for root in roots { out += envFiles(under: root, depth: 0).map(pathRecord) }
        return out
    }

    static func envFiles(under path: String, depth: Int) -> [String] {
        guard depth < 12, let info = EvidenceFiles.lstatInfo(path) else { return [] }
        let name = (path as NSString).lastPathComponent
        if info.kind == .file { return name == ".env" || name.hasPrefix(".env.") ? [path] : [] }
        guard info.kind == .directory else { return [] }
        return EvidenceFiles.children(path).flatMap { envFiles(under: (path as NSString).appendingPathComponent($0), depth: depth + 1) }
    }

    static func pathRecord(_ path: String) -> Value {
        guard let info = EvidenceFiles.lstatInfo(path) else { return .object(["path": .string(path), "exists": .bool(false)]) }
        var size = info.size
        if info.kind == .directory { size = directoryBytes(path, depth: 0) }
        return .object(["path": .string(path), "exists": .bool(true), "kind": .string(info.kind.rawValue), "size": .int(size)])
    }

    static func directoryBytes(_ path: String, depth: Int) -> Int {
        guard depth < 12 else { return 0 }
        return EvidenceFiles.children(path).reduce(0) { sum, name in
            let p = (path as NSString).appendingPathComponent(name)
            guard let info = EvidenceFiles.lstatInfo(p) else { return sum }
            return sum + (info.kind == .directory ? directoryBytes(p, depth: depth + 1) : info.kind == .file ? info.size : 0)
        }
    }
}
