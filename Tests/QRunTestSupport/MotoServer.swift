import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real moto server (`moto_server`, PyPI `moto[server]`) on 127.0.0.1 with a free port, seeded
/// through boto3 (`Tests/Fixtures/aws/moto_tool.py`) and then switched to checking request
/// signatures, so only keys created through its IAM work and a wrong secret is refused with
/// `SignatureDoesNotMatch`.
///
/// Seeded always: user `admin` (inline policy allowing everything) and user `limited` (no policy),
/// one access key each. Stop it with ``stop()``; the process is killed on deinit too.
public final class MotoServer: Sendable {
    /// An access key pair created in moto.
    public struct KeyPair: Sendable {
        public let id: String
        public let secret: String
    }

    private let process: RunningProcess
    /// The port moto listens on.
    public let port: Int
    /// The administrator's key (may do anything).
    public let admin: KeyPair
    /// A user without any policy (every call is refused with AccessDenied).
    public let limited: KeyPair
    /// Access key IDs created for the seeded users, by user name.
    public let accessKeys: [String: [String]]

    /// Starts moto and seeds `users` (name → number of access keys), `roles` and `secrets`
    /// (name → value), then turns signature checking on.
    public init(users: [String: Int] = [:], roles: [String] = [], secrets: [String: String] = [:]) throws {
        let port = try Self.freePort()
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        env["PATH"] = (env["PATH"].map { $0 + ":" } ?? "") + "/usr/local/bin:/usr/bin:/bin"
        process = try RunningProcess(executable: "/usr/bin/env", arguments: ["moto_server", "-H", "127.0.0.1", "-p", String(port)],
                                     environment: env, cwd: nil, stdin: nil)
        self.port = port
        let deadline = Date().addingTimeInterval(30)
        var ready = false
        while Date() < deadline, process.isRunning {
            if (try? Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/moto-api/")!)) != nil { ready = true; break }
            usleep(100_000)
        }
        guard ready else {
            process.signal(SIGKILL)
            throw TestFailure("moto_server did not start (is it installed? pip install 'moto[server]'): \(process.wait(timeout: 2).stderr.suffix(500))")
        }
        let spec = try JSONSerialization.data(withJSONObject: ["users": users, "roles": roles, "secrets": secrets])
        let out = try Self.tool(["seed", "http://127.0.0.1:\(port)", String(decoding: spec, as: UTF8.self)], env: env)
        guard let o = out as? [String: Any], let a = o["admin"] as? [String: String], let l = o["limited"] as? [String: String] else {
            process.signal(SIGKILL)
            throw TestFailure("seeding moto failed: \(out)")
        }
        admin = KeyPair(id: a["id"] ?? "", secret: a["secret"] ?? "")
        limited = KeyPair(id: l["id"] ?? "", secret: l["secret"] ?? "")
        accessKeys = o["keys"] as? [String: [String]] ?? [:]
    }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Calls boto3 `<service>.<method>(**args)` as the administrator (or `key`) and returns the
    /// decoded JSON answer; errors come back as `["Error": [...], "status": N]`.
    public func call(_ service: String, _ method: String, _ args: [String: Any] = [:], as key: KeyPair? = nil) throws -> [String: Any] {
        let k = key ?? admin
        let json = String(decoding: try JSONSerialization.data(withJSONObject: args), as: UTF8.self)
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        env["PATH"] = (env["PATH"].map { $0 + ":" } ?? "") + "/usr/local/bin:/usr/bin:/bin"
        let out = try Self.tool(["call", baseURL, k.id, k.secret, service, method, json], env: env)
        guard let o = out as? [String: Any] else { throw TestFailure("unexpected answer from boto3: \(out)") }
        return o
    }

    /// Stops moto.
    public func stop() {
        process.signal(SIGKILL)
        _ = process.wait(timeout: 5)
    }

    deinit { process.signal(SIGKILL) }

    static func tool(_ args: [String], env: [String: String]) throws -> Any {
        let p = try RunningProcess(executable: "/usr/bin/env", arguments: ["python3", Fixtures.path("aws/moto_tool.py")] + args,
                                   environment: env, cwd: nil, stdin: nil)
        let r = p.wait(timeout: 60)
        guard r.status == 0, let data = r.stdout.data(using: .utf8), let json = try? JSONSerialization.jsonObject(with: data) else {
            throw TestFailure("moto_tool.py \(args.first ?? "") failed (status \(r.status)): \(r.stderr.suffix(800))")
        }
        return json
    }

    /// A port that was free a moment ago (bind to 0, read it, close).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw TestFailure("cannot find a free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
