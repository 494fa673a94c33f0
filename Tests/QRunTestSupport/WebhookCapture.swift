import Foundation

/// A webhook receiver for tests (`Tests/Fixtures/alertmanager/capture_receiver.py`) on
/// 127.0.0.1 with a free port: it answers every request 200 and records its method, path,
/// headers and raw body, read back with ``requests()``.
public final class WebhookCapture: Sendable {
    /// One recorded request.
    public struct Request: Sendable {
        public let method: String
        public let path: String
        /// Header lines as received (name, value), in order.
        public let headers: [Header]
        /// The body, byte for byte.
        public let body: Data

        /// One header line.
        public struct Header: Sendable {
            public let name: String
            public let value: String
        }

        /// The values of the header `name` (case-insensitive).
        public func header(_ name: String) -> [String] {
            headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
        }

        /// The body parsed as a JSON object.
        public func json() throws -> [String: Any] {
            guard let o = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw TestFailure("the captured body is not a JSON object: \(String(decoding: body.prefix(300), as: UTF8.self))")
            }
            return o
        }
    }

    private let server: PythonServer
    private let directory: String

    /// Starts the receiver.
    public init() throws {
        directory = try PrometheusTools.temporaryDirectory("webhook-capture")
        server = try PythonServer("alertmanager/capture_receiver.py", [directory])
    }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { server.baseURL }

    /// Every request recorded so far, in arrival order.
    public func requests() throws -> [Request] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        return try names.compactMap { Int($0.dropLast(5)) }.sorted().map { n in
            let meta = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(n).json"))
            guard let o = try JSONSerialization.jsonObject(with: meta) as? [String: Any] else { throw TestFailure("bad capture record \(n)") }
            let headers = (o["headers"] as? [[String]] ?? []).compactMap { $0.count == 2 ? Request.Header(name: $0[0], value: $0[1]) : nil }
            return Request(method: o["method"] as? String ?? "", path: o["path"] as? String ?? "", headers: headers,
                           body: try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(n).body")))
        }
    }

    /// Waits (at most `timeout` seconds) until `done` holds for the requests recorded so far,
    /// and returns them; throws with what did arrive when it never does.
    public func wait(timeout: TimeInterval = 90, until done: ([Request]) throws -> Bool) async throws -> [Request] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let got = try requests()
            if try done(got) { return got }
            guard Date() < deadline else {
                let bodies = got.map { String(decoding: $0.body.prefix(400), as: UTF8.self) }
                throw TestFailure("the webhook receiver did not get what was awaited within \(Int(timeout)) s; it got \(got.count): \(bodies)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Stops the receiver and removes its records.
    public func stop() {
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
