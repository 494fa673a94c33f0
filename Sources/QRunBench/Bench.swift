import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// `qrun-bench`: engine overhead against the disk's own durable-commit rate, measured in the same
/// run on the same filesystem, so the ratio means something on a shared, noisy machine.
///
/// For each scenario it runs the real `qrun run` binary on a generated runbook of `core.noop`
/// steps and measures wall time and peak RSS of that process; between runs it measures the time
/// of the baseline: one durable single-row SQLite commit (WAL, synchronous=FULL) per step. One
/// more run of each scenario under `strace` counts syncs and pages written per step, and the cold
/// start is measured against `curl` (see ``ColdStartBench``).
@main
struct Bench {
    struct Options {
        var qrun = ".build/release/qrun"
        var chain = 1000
        var fanout = 10000
        var repeats = 3
        var directory = "state"
        var http = 500
        var cold = 20
        var probe = true
        /// A second binary (say, the build before a change) run right after the first in every
        /// repeat, against the same baseline, so that both see the same disk.
        var compare: String?
    }

    static func main() async throws {
        var o = Options()
        var args = Array(CommandLine.arguments.dropFirst())
        if args.first == "serve" { return try ServeBench.main(Array(args.dropFirst())) }
        while !args.isEmpty {
            let a = args.removeFirst()
            func value() -> String { args.isEmpty ? "" : args.removeFirst() }
            switch a {
            case "--qrun": o.qrun = value()
            case "--chain": o.chain = Int(value()) ?? o.chain
            case "--fanout": o.fanout = Int(value()) ?? o.fanout
            case "--repeats": o.repeats = max(1, Int(value()) ?? o.repeats)
            case "--dir": o.directory = value()
            case "--http": o.http = Int(value()) ?? o.http
            case "--cold": o.cold = Int(value()) ?? o.cold
            case "--no-probe": o.probe = false
            case "--compare": o.compare = value()
            default:
                FileHandle.standardError.write(Data("usage: qrun-bench [--qrun PATH] [--chain N] [--fanout N] [--repeats N] [--dir DIR] [--http N] [--cold N] [--no-probe] [--compare PATH]\n".utf8))
                exit(64)
            }
        }
        umask(0o077)
        let root = (o.directory as NSString).appendingPathComponent("bench-\(getpid())")
        try FileManager.default.createDirectory(atPath: root + "/runbooks", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try chainRunbook(o.chain).write(toFile: root + "/runbooks/chain.yaml", atomically: true, encoding: .utf8)
        try fanoutRunbook(o.fanout).write(toFile: root + "/runbooks/fanout.yaml", atomically: true, encoding: .utf8)

        say("qrun benchmark: \(o.repeats) repeats, medians; baseline = 1 durable single-row SQLite commit per step on the same disk (the floor of a chain; WAL pre-grown)")
        say("machine: \(ProcessInfo.processInfo.processorCount) cores; state under \(root)")
        var results: [[String: Any]] = []
        for (name, steps) in [("chain", o.chain), ("fanout", o.fanout)] {
            var engine: [Double] = [], base: [Double] = [], rss: [Int] = [], compared: [Double] = []
            for i in 0..<o.repeats {
                base.append(try baseline(commits: steps, path: "\(root)/baseline-\(name)-\(i).sqlite"))
                let state = "\(root)/state-\(name)-\(i)"
                let (secs, maxrss, status) = try runQRun(o.qrun, ["run", name, "--json", "--home", root, "--state-dir", state])
                guard status == 0 else { throw BenchError("qrun run \(name) exited \(status)") }
                engine.append(secs)
                rss.append(maxrss)
                if let other = o.compare {
                    let (secs, _, status) = try runQRun(other, ["run", name, "--json", "--home", root, "--state-dir", state + "-compare"])
                    guard status == 0 else { throw BenchError("\(other) run \(name) exited \(status)") }
                    compared.append(secs)
                }
            }
            let e = median(engine), b = median(base)
            var line: [String: Any] = [
                "scenario": name, "steps": steps, "engine_seconds": e, "steps_per_second": Double(steps) / e,
                "baseline_seconds": b, "baseline_commits_per_second": Double(steps) / b,
                "ratio_engine_to_baseline": e / b, "peak_rss_mib": Double(rss.max() ?? 0) / 1024,
            ]
            say(String(format: "%-7@ %6d steps  engine %.3fs (%.0f steps/s)  baseline %.3fs (%.0f commits/s)  ratio %.2f×  peak RSS %.1f MiB",
                         name as NSString, steps, e, Double(steps) / e, b, Double(steps) / b, e / b, Double(rss.max() ?? 0) / 1024))
            if !compared.isEmpty {
                let c = median(compared)
                line["compare_engine_seconds"] = c
                line["compare_ratio_engine_to_baseline"] = c / b
                say(String(format: "        compared binary: engine %.3fs  ratio %.2f×", c, c / b))
            }
            if o.probe && SyscallProbe.available {
                for (label, exe) in [("", o.qrun)] + (o.compare.map { [("compare_", $0)] } ?? []) {
                    let c = try SyscallProbe.count(exe, ["run", name, "--json", "--home", root, "--state-dir", "\(root)/state-\(name)-strace\(label)"],
                                                   traceFile: "\(root)/strace-\(name).txt")
                    let n = Double(steps)
                    line[label + "syncs_per_step"] = Double(c.syncs) / n
                    line[label + "wal_pages_per_step"] = Double(c.walPages) / n
                    line[label + "db_pages_per_step"] = Double(c.dbPages) / n
                    say(String(format: "        strace%@: %.3f fdatasync+fsync per step, %.2f WAL pages per step, %.2f checkpointed pages per step",
                                 label.isEmpty ? "" : " (compared)", Double(c.syncs) / n, Double(c.walPages) / n, Double(c.dbPages) / n))
                }
            }
            results.append(line)
        }
        var pages: Double = 0
        if o.probe {
            pages = try SyscallProbe.baselinePagesPerCommit(path: "\(root)/baseline-pages.sqlite")
            say(String(format: "baseline: %.2f WAL pages per single-row commit, 1 fdatasync per commit", pages))
        }
        var cold: [String: Any] = [:]
        if o.cold > 0 && access("/usr/bin/curl", X_OK) == 0 {
            for (label, exe) in [("", o.qrun)] + (o.compare.map { [("compare_", $0)] } ?? []) {
                let c = try ColdStartBench.run(qrun: exe, root: root + "/\(label)cold", repeats: o.cold)
                for (k, v) in c { cold[label + k] = v }
                say(String(format: "cold%@ start → first request (one-step http.request, fresh state): qrun median %.1f ms, curl %.1f ms  ratio %.2f×",
                             label.isEmpty ? "   " : " (compared)", c["qrun_median_ms"] as! Double, c["curl_median_ms"] as! Double, c["ratio_median"] as! Double))
            }
        }
        var http: [String: Any] = [:]
        if o.http > 0 {
            http = try await HTTPBench.run(requests: o.http, serverScript: "Tests/Fixtures/effect_server.py")
            say(String(format: "http    %d loopback GETs  CurlTransport median %.2f ms, p99 %.2f ms  raw keep-alive socket median %.2f ms, p99 %.2f ms  ratio %.2f×",
                         o.http, http["transport_median_ms"] as! Double, http["transport_p99_ms"] as! Double,
                         http["raw_socket_median_ms"] as! Double, http["raw_socket_p99_ms"] as! Double, http["ratio_median"] as! Double))
        }
        let data = try JSONSerialization.data(withJSONObject: ["results": results, "http": http, "cold_start": cold, "baseline_pages_per_commit": pages], options: [.sortedKeys])
        say(String(decoding: data, as: UTF8.self))
    }

    /// One line of the report, written at once (not held in a buffer a crash would lose).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func chainRunbook(_ n: Int) -> String {
        var s = "runbook: chain\nversion: 1\nsteps:\n"
        for i in 0..<n {
            s += "  - id: s\(i)\n    uses: core.noop\n" + (i > 0 ? "    needs: [s\(i - 1)]\n" : "")
        }
        return s
    }

    static func fanoutRunbook(_ n: Int) -> String {
        var s = "runbook: fanout\nversion: 1\nmax_parallel: 64\nsteps:\n"
        for i in 0..<n { s += "  - id: s\(i)\n    uses: core.noop\n" }
        return s
    }

    /// Seconds for `commits` single-row durable transactions on a fresh WAL database.
    static func baseline(commits: Int, path: String) throws -> Double {
        var config = Configuration()
        config.journalMode = .wal
        let q = try DatabaseQueue(path: path, configuration: config)
        try q.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, step TEXT NOT NULL, status TEXT NOT NULL, at TEXT NOT NULL)")
            // Steady state: a WAL (and a file) already grown to their size, so that no measured
            // commit pays for extending a file. A fresh WAL's first thousand pages each extend it,
            // which makes a sync much slower on a busy disk; the engine's runs pay that themselves.
            try db.execute(sql: "CREATE TABLE grow (b BLOB)")
            try db.execute(sql: "INSERT INTO grow VALUES (zeroblob(4 * 1024 * 1024))")
            try db.execute(sql: "DROP TABLE grow")
            try db.execute(sql: "PRAGMA wal_checkpoint(RESTART)")
        }
        let start = DispatchTime.now()
        for i in 0..<commits {
            try q.write { db in
                try db.execute(sql: "INSERT INTO t (step, status, at) VALUES (?, 'running', ?)", arguments: ["s\(i)", "\(i)"])
            }
        }
        let secs = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        try? FileManager.default.removeItem(atPath: path)
        return secs
    }

    /// Runs a process, returning wall seconds, its peak RSS in KiB and its exit status.
    static func runQRun(_ exe: String, _ args: [String]) throws -> (Double, Int, Int32) {
        var pid: pid_t = 0
        var fa: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)
        let argv = ([exe] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let start = DispatchTime.now()
        let rc = posix_spawn(&pid, exe, &fa, nil, argv, environ)
        guard rc == 0 else { throw BenchError("cannot start \(exe): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let secs = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (secs, Int(usage.ru_maxrss), exit)
    }

    /// The value at fraction `p` of the sorted samples (NaN when there are none).
    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        return s[min(s.count - 1, Int(Double(s.count) * p))]
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
