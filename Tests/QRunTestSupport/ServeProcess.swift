import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `qrun serve` started from the built binary on a free 127.0.0.1 port, ready once `/healthz`
/// answers 200.
public final class ServeProcess: Sendable {
    public let process: RunningProcess
    public let port: Int
    public static let alertToken = "am-token-3f9c2e7d5a1b"
    public static let hmacKey = "hmac-key-8e2d4c6a0b9f"
    public static let apiToken = "api-token-7c1e9a3d5f2b"

    /// The environment that enables every endpoint (alert token, HMAC key, one API principal).
    public static var credentials: [String: String] {
        ["QRUN_ALERT_TOKEN": alertToken, "QRUN_ALERT_HMAC_KEY": hmacKey, "QRUN_API_TOKEN": apiToken]
    }

    public init(home: String, port: Int? = nil, env: [String: String] = ServeProcess.credentials, extraArgs: [String] = []) throws {
        let port = try port ?? MotoServer.freePort()
        self.port = port
        process = try QRun.start(["serve", "--listen", "127.0.0.1:\(port)"] + extraArgs, home: home, env: env)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            guard process.isRunning else {
                throw TestFailure("qrun serve exited: \(process.wait(timeout: 1).stderr.suffix(2000))")
            }
            if let a = try? LoopbackHTTP.request(port: port, method: "GET", path: "/healthz", timeout: 2), a.status == 200 { return }
            usleep(30_000)
        }
        process.signal(SIGKILL)
        throw TestFailure("qrun serve did not become ready: \(process.wait(timeout: 2).stderr.suffix(2000))")
    }

    /// POST an Alertmanager webhook with the bearer token.
    public func alertmanager(_ json: String, token: String? = ServeProcess.alertToken) throws -> LoopbackHTTP.Answer {
        try LoopbackHTTP.post(port: port, "/v1/alerts/alertmanager", json: json, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }

    /// POST a generic alert signed with the HMAC key at `timestamp`.
    public func signedAlert(_ json: String, timestamp: Int = Int(Date().timeIntervalSince1970), key: String = ServeProcess.hmacKey) throws -> LoopbackHTTP.Answer {
        try LoopbackHTTP.post(port: port, "/v1/alerts", json: json, headers: Self.signature(json, timestamp: timestamp, key: key))
    }

    /// The two headers of a signed post.
    public static func signature(_ body: String, timestamp: Int, key: String = ServeProcess.hmacKey) -> [String: String] {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Array(key.utf8)))
        return ["X-Qrun-Timestamp": "\(timestamp)", "X-Qrun-Signature": "sha256=" + mac.map { String(format: "%02x", $0) }.joined()]
    }

    /// GET with the API token.
    public func api(_ path: String, token: String = ServeProcess.apiToken) throws -> LoopbackHTTP.Answer {
        try LoopbackHTTP.request(port: port, method: "GET", path: path, headers: ["Authorization": "Bearer \(token)"])
    }

    /// Polls `GET /v1/runs/{id}` until the run's status is one of `statuses`.
    public func waitForRun(_ id: String, statuses: Set<String> = ["succeeded", "failed", "cancelled"], timeout: TimeInterval = 60) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: Any] = [:]
        while Date() < deadline {
            if let a = try? api("/v1/runs/\(id)"), a.status == 200, let o = try? a.json() {
                last = o
                if let s = o["status"] as? String, statuses.contains(s) { return o }
            }
            usleep(50_000)
        }
        throw TestFailure("run \(id) did not reach \(statuses.sorted()) in \(timeout)s; last: \(last["status"] ?? "nothing")")
    }

    public func stop(signal sig: Int32 = SIGTERM, timeout: TimeInterval = 60) -> ProcessOutput {
        process.signal(sig)
        return process.wait(timeout: timeout)
    }

    deinit { if process.isRunning { process.signal(SIGKILL); _ = process.wait(timeout: 5) } }
}
