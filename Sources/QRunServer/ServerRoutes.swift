import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import QRunCore
import QRunRuntime

/// The HTTP endpoints of `qrun serve` (DESIGN §6). Every answer is JSON (but `/metrics`);
/// every refusal says why in one sentence; nothing a request carries is trusted for size.
struct ServerRoutes: Sendable {
    static let maxBody = 1 << 20

    let intake: AlertIntake
    let api: RunAPI
    let credentials: ServeCredentials
    let metrics: ServerMetrics
    let ready: @Sendable () -> Bool

    static let timestampHeader = HTTPField.Name("X-Qrun-Timestamp")!
    static let signatureHeader = HTTPField.Name("X-Qrun-Signature")!

    func build() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in
            ready() ? Self.json(200, ["status": "ok"]) : Self.json(503, ["status": "starting"])
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.post("/v1/alerts/alertmanager") { request, _ in
            let arrived = ContinuousClock.now
            do throws(RequestAuth.Refusal) {
                try RequestAuth.checkAlertToken(request.headers[.authorization], credentials: credentials)
            } catch {
                metrics.alertRefused(endpoint: "alertmanager", reason: "auth")
                return Self.unauthorized(error.message)
            }
            let body: [UInt8]
            switch await Self.collect(request) {
            case .success(let b): body = b
            case .failure(let answer):
                metrics.alertRefused(endpoint: "alertmanager", reason: "size")
                return answer.response
            }
            let alerts: [IncomingAlert]
            do throws(AlertPayload.Invalid) {
                alerts = try AlertPayload.alertmanager(body)
            } catch {
                metrics.alertRefused(endpoint: "alertmanager", reason: "malformed")
                return Self.json(400, ["error": .string(error.message)])
            }
            let answer = await intake.receive(alerts: alerts, endpoint: "alertmanager", principal: "alertmanager", replayKey: nil,
                                              body: body, arrived: arrived)
            return Self.json(answer.status, answer.body)
        }
        router.post("/v1/alerts") { request, _ in
            let arrived = ContinuousClock.now
            let body: [UInt8]
            switch await Self.collect(request) {
            case .success(let b): body = b
            case .failure(let answer):
                metrics.alertRefused(endpoint: "generic", reason: "size")
                return answer.response
            }
            let replayKey: String
            do throws(RequestAuth.Refusal) {
                replayKey = try RequestAuth.checkSignature(timestamp: request.headers[Self.timestampHeader], signature: request.headers[Self.signatureHeader],
                                                           body: body, key: credentials.alertHMACKey, now: Date())
            } catch {
                metrics.alertRefused(endpoint: "generic", reason: "auth")
                return Self.unauthorized(error.message)
            }
            let alert: IncomingAlert
            do throws(AlertPayload.Invalid) {
                alert = try AlertPayload.generic(body)
            } catch {
                metrics.alertRefused(endpoint: "generic", reason: "malformed")
                return Self.json(400, ["error": .string(error.message)])
            }
            let answer = await intake.receive(alerts: [alert], endpoint: "generic", principal: "hmac", replayKey: replayKey,
                                              body: body, arrived: arrived)
            return Self.json(answer.status, answer.body)
        }
        router.get("/v1/runs") { request, _ in
            do throws(RequestAuth.Refusal) {
                _ = try RequestAuth.principal(request.headers[.authorization], credentials: credentials)
            } catch {
                return Self.unauthorized(error.message)
            }
            return await api.list(query: request.uri.queryParameters)
        }
        router.get("/v1/runs/{id}") { request, context in
            do throws(RequestAuth.Refusal) {
                _ = try RequestAuth.principal(request.headers[.authorization], credentials: credentials)
            } catch {
                return Self.unauthorized(error.message)
            }
            return await api.show(runID: context.parameters.get("id") ?? "")
        }
        router.post("/v1/runs/{id}/approvals") { request, context in
            let principal: String
            do throws(RequestAuth.Refusal) {
                principal = try RequestAuth.principal(request.headers[.authorization], credentials: credentials)
            } catch {
                return Self.unauthorized(error.message)
            }
            let body: [UInt8]
            switch await Self.collect(request) {
            case .success(let b): body = b
            case .failure(let answer): return answer.response
            }
            return await api.decide(runID: context.parameters.get("id") ?? "", principal: principal, body: body)
        }
        return router
    }

    /// The whole body, or the answer for one over 1 MiB.
    static func collect(_ request: Request) async -> Result<[UInt8], Answer> {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBody {
            return .failure(Answer(json(413, ["error": .string("the body is \(length) bytes; at most \(maxBody) (1 MiB)")])))
        }
        var bytes: [UInt8] = []
        do {
            for try await chunk in request.body {
                guard bytes.count + chunk.readableBytes <= maxBody else {
                    return .failure(Answer(json(413, ["error": .string("the body is over \(maxBody) bytes (1 MiB)")])))
                }
                bytes += chunk.readableBytesView
            }
        } catch {
            return .failure(Answer(json(400, ["error": "the body could not be read"])))
        }
        return .success(bytes)
    }

    /// A response carried through `Result` (Response itself is not an Error).
    struct Answer: Error {
        var response: Response
        init(_ r: Response) { response = r }
    }

    static func unauthorized(_ message: String) -> Response {
        var r = json(401, ["error": .string(message)])
        r.headers[.wwwAuthenticate] = "Bearer realm=\"qrun\""
        return r
    }

    static func json(_ status: Int, _ value: Value) -> Response {
        Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: value.jsonText + "\n")))
    }
}
