import Foundation
import QRunCore
import QRunTestSupport
import Synchronization
import Testing
@testable import QRunActions

/// The limits of outgoing HTTP against servers that misbehave on purpose: bodies are cut at the
/// caller's cap without being held whole, a request ends at its deadline however steadily the
/// server trickles, and IPv6 literal endpoints are written correctly.
@Suite
struct HTTPLimitsTests {
    let transport = CurlTransport()

    func call(_ params: [String: Value]) -> ActionCall {
        ActionCall(runID: "r1", stepID: "s1", attempt: 1, idempotencyKey: "key-1", verb: .apply, params: params, timeout: nil,
                   secrets: SecretResolver.standard(redactor: Redactor(), environment: [:], baseDirectory: "/tmp"), log: { _ in })
    }

    func failure(_ request: HTTPRequest) async -> ActionError? {
        do {
            let r = try await transport.send(request)
            Issue.record("expected a failure, got HTTP \(r.status) with \(r.body.count) bytes")
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: ["big", "big-chunked"])
    func aLongBodyIsCutAtTheCapAndMarkedTruncated(route: String) async throws {
        let server = try HTTPLimitsServer()
        defer { server.stop() }
        let url = URL(string: "\(server.baseURL)/\(route)/50000000")!
        let r = try await transport.send(HTTPRequest(method: "GET", url: url, bodyLimit: .truncate(after: 100_000)))
        #expect(r.status == 200)
        #expect(r.body.count == 100_000)
        #expect(r.truncated)
        let whole = try await transport.send(HTTPRequest(method: "GET", url: URL(string: "\(server.baseURL)/\(route)/100000")!,
                                                         bodyLimit: .truncate(after: 100_000)))
        #expect(whole.body.count == 100_000 && !whole.truncated, "a body of exactly the cap is whole")
    }

    @Test func aProviderAnswerLargerThanItsCapIsRefusedAndNotRetried() async throws {
        let server = try HTTPLimitsServer()
        defer { server.stop() }
        let e = await failure(HTTPRequest(method: "GET", url: URL(string: "\(server.baseURL)/big/5000000")!))
        #expect(e?.retryable == false)
        #expect(e?.message.contains("larger than 4 MiB") == true, "\(e?.message ?? "none")")
    }

    @Test(arguments: ["trickle-body", "trickle-head"])
    func aTricklingServerFailsAtTheDeadline(route: String) async throws {
        let server = try HTTPLimitsServer()
        defer { server.stop() }
        let id = UUID().uuidString
        let e = await failure(HTTPRequest(method: "GET", url: URL(string: "\(server.baseURL)/\(route)/\(id)")!, timeout: .seconds(2)))
        #expect(e?.retryable == true)
        #expect(e?.message.contains("timed out") == true, "\(e?.message ?? "none")")
        // When the client hung up, measured by the server (this process may be slow to resume
        // on a loaded machine; the connection is what must end). It notices within 0.2 s.
        var seconds: Double?
        for _ in 0..<50 where seconds == nil {
            seconds = server.hangup(id)
            if seconds == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        // Bytes arrive every 0.2 s, so an idle timeout never fires; only a deadline ends this.
        // (3× leaves room for a loaded machine; without a deadline the server gives up at 30 s.)
        #expect(seconds.map { $0 < 6 } == true, "the client hung up after \(seconds.map { "\($0)s" } ?? "more than 5s"); the deadline was 2s")
    }

    @Test func cancellingTheCallerEndsTheRequestAtOnce() async throws {
        let server = try HTTPLimitsServer()
        defer { server.stop() }
        let transport = transport
        let request = HTTPRequest(method: "GET", url: URL(string: "\(server.baseURL)/trickle-body")!, timeout: .seconds(60))
        let e = await withTaskGroup(of: ActionError?.self) { group in
            group.addTask {
                do {
                    _ = try await transport.send(request)
                    return nil
                } catch let e as ActionError {
                    return e
                } catch {
                    return nil
                }
            }
            group.cancelAll()
            return await group.next() ?? nil
        }
        #expect(e?.message.contains("cancelled") == true, "\(e?.message ?? "none")")
    }

    @Test func aBasicChallengeIsHandedBackAsThe401() async throws {
        let server = try HTTPLimitsServer()
        defer { server.stop() }
        // swift-corelibs-foundation waits forever here unless the delegate refuses the challenge.
        let r = try await transport.send(HTTPRequest(method: "POST", url: URL(string: "\(server.baseURL)/basic-401")!,
                                                     headers: [("Authorization", "Basic d3Jvbmc6d3Jvbmc=")], timeout: .seconds(20)))
        #expect(r.status == 401)
        #expect(r.headers["www-authenticate"]?.hasPrefix("Basic") == true)
    }

    @Test func httpRequestKeepsJSONAndSaysWhenTheBodyWasWhole() async throws {
        let server = try HTTPLimitsServer()
        defer { server.stop() }
        let action = HTTPRequestAction(transport: transport)
        let r = try await action.apply(call(["url": .string("\(server.baseURL)/hello")]))
        #expect(r.outputs["status"] == .int(200))
        #expect(r.outputs["json"]?["host"]?.stringValue == "127.0.0.1:\(server.port)")
        #expect(r.outputs["body_truncated"] == nil)
    }

    @Test func anIPv6LiteralEndpointIsWrittenWithBrackets() throws {
        let endpoint = URL(string: "http://[::1]:8200")!
        #expect(endpoint.authority == "[::1]:8200")
        #expect(URL(string: "https://[::1]:443/x")!.authority == "[::1]")
        #expect(URL(string: "http://127.0.0.1:80")!.authority == "127.0.0.1")
        let client = AWSClient(service: .iam, transport: CurlTransport(), endpoint: endpoint,
                               signer: SigV4Signer(credentials: AWSCredentials(accessKeyID: "A", secretAccessKey: "B"), region: "us-east-1", service: "iam"),
                               now: { Date() })
        #expect(client.hostHeader == "[::1]:8200", "the signed host is what libcurl sends")
        #expect(HTTPRequest.origin(endpoint) == "http://[::1]:8200")
    }

    @Test func awsRequestsToAnIPv6EndpointCarryAValidURL() async throws {
        let recorder = RecordingTransport()
        let client = AWSClient(service: .iam, transport: recorder, endpoint: URL(string: "http://[::1]:8200")!,
                               signer: SigV4Signer(credentials: AWSCredentials(accessKeyID: "A", secretAccessKey: "B"), region: "us-east-1", service: "iam"),
                               now: { Date() })
        _ = try? await client.query("GetUser", [])
        let sent = recorder.requests.withLock { $0 }
        #expect(sent.first?.url.absoluteString == "http://[::1]:8200/", "\(sent.first?.url.absoluteString ?? "nothing sent")")
    }
}

/// Records requests and answers 200 with an empty XML document.
final class RecordingTransport: HTTPTransport {
    let requests = Mutex<[HTTPRequest]>([])

    func send(_ request: HTTPRequest) async throws(ActionError) -> HTTPResponse {
        requests.withLock { $0.append(request) }
        return HTTPResponse(status: 200, headers: [:], body: Data("<GetUserResponse/>".utf8))
    }
}

/// `http.request` to the IPv6 loopback.
@Suite
struct HTTPIPv6Tests {
    @Test(.enabled(if: Prerequisite.required(HTTPLimitsServer.hasIPv6Loopback)))
    func httpRequestToAnIPv6LiteralReachesTheServer() async throws {
        let server = try HTTPLimitsServer(host: "::1")
        defer { server.stop() }
        let action = HTTPRequestAction(transport: CurlTransport())
        let call = ActionCall(runID: "r1", stepID: "s1", attempt: 1, idempotencyKey: "k", verb: .apply,
                              params: ["url": .string("\(server.baseURL)/hello")], timeout: nil,
                              secrets: SecretResolver.standard(redactor: Redactor(), environment: [:], baseDirectory: "/tmp"), log: { _ in })
        let r = try await action.apply(call)
        #expect(r.outputs["status"] == .int(200))
        #expect(r.outputs["json"]?["host"]?.stringValue == "[::1]:\(server.port)", "the Host header is bracketed")
    }
}
