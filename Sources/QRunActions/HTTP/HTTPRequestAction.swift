import Foundation
import QRunCore

/// `http.request`: one HTTP call with an `Idempotency-Key` header that is the same on every
/// retry and resume of the step, so a receiver that honours it applies the effect once.
///
/// Any of `url`, a header value, `body`, or a string inside a map `body` may be a secret
/// reference; it is resolved at the moment of sending and masked everywhere afterwards.
public struct HTTPRequestAction: Action {
    let transport: HTTPTransport
    /// Bytes of the response body kept in the step's outputs; a longer answer is cut there
    /// (and stops being read) and the step's outputs say `body_truncated: true`.
    public static let bodyLimit = 64 * 1024

    public init(transport: HTTPTransport) {
        self.transport = transport
    }

    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "http.request", summary: "Sends one HTTP request with a stable Idempotency-Key.", parameters: [
            ParameterSpec("method", .string, secret: .forbidden, description: "GET, POST, PUT, PATCH or DELETE (default GET)."),
            ParameterSpec("url", .string, required: true, description: "http(s) URL; may be a secret reference (e.g. a webhook URL)."),
            ParameterSpec("headers", .map, description: "Header values; each may be a secret reference."),
            ParameterSpec("body", .stringOrMap, description: "Text, or a map sent as JSON; may be or contain secret references."),
            ParameterSpec("expect_status", .intOrList, secret: .forbidden, description: "Accepted status codes (default: any 2xx)."),
            ParameterSpec("timeout", .duration, secret: .forbidden, description: "Deadline for the whole request, however slowly the server answers (default 30s)."),
            ParameterSpec("idempotency_header", .string, secret: .forbidden, description: "Header carrying the key (default Idempotency-Key)."),
        ]).declaring([
            OutputSpec("status", "int", "The HTTP status of the answer."),
            OutputSpec("body", "string", "The answer's body as text (capped)."),
            OutputSpec("json", "any", "The body parsed, when it is JSON."),
            OutputSpec("body_truncated", "bool", "Present when the body was longer than the cap."),
            OutputSpec("planned", "bool", "plan: nothing was sent."),
        ])
    }

    struct Prepared {
        var request: HTTPRequest
        var display: String
    }

    func prepare(_ call: ActionCall) async throws(ActionError) -> Prepared {
        let method = (try call.string("method") ?? "GET").uppercased()
        guard ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].contains(method) else {
            throw .invalid("method must be GET, POST, PUT, PATCH, DELETE or HEAD, not '\(method)'")
        }
        let (urlText, urlSecret) = try await call.resolved("url") ?? ("", false)
        guard let url = URL(string: urlText), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw .invalid(urlSecret ? "the secret given as url is not an http(s) URL" : "url '\(urlText)' is not an http(s) URL")
        }
        var display = "\(method) \(urlSecret ? "\(scheme)://\(url.bracketedHost)/[secret]" : urlText)"
        var headers: [(String, String)] = []
        if let h = call.params["headers"], !h.isNull {
            guard case .object(let members) = h else { throw .invalid("headers must be a map of names to values") }
            for (name, v) in members.sorted(by: { $0.key < $1.key }) {
                guard name.range(of: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", options: .regularExpression) != nil else {
                    throw .invalid("'\(name)' is not a valid header name")
                }
                let (text, _) = try await call.resolve(text: v.interpolationText)
                guard !text.contains("\r"), !text.contains("\n") else { throw .invalid("header \(name) contains a line break") }
                headers.append((name, text))
            }
        }
        let keyHeader = try call.string("idempotency_header") ?? "Idempotency-Key"
        if !keyHeader.isEmpty, !headers.contains(where: { $0.0.lowercased() == keyHeader.lowercased() }) {
            headers.append((keyHeader, call.idempotencyKey))
        }
        var body: Data?
        switch call.params["body"] {
        case .none, .some(.null):
            break
        case .some(.string(let s)):
            body = Data(try await call.resolve(text: s).text.utf8)
        case .some(let v):
            let resolved = try await resolveSecrets(in: v, call: call)
            body = Data(resolved.jsonText.utf8)
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                headers.append(("Content-Type", "application/json"))
            }
        }
        if body != nil { display += " (\(body!.count) bytes)" }
        let timeout = try call.duration("timeout") ?? .seconds(30)
        return Prepared(request: HTTPRequest(method: method, url: url, headers: headers, body: body, timeout: timeout,
                                             bodyLimit: .truncate(after: Self.bodyLimit)),
                        display: display)
    }

    func resolveSecrets(in value: Value, call: ActionCall) async throws(ActionError) -> Value {
        switch value {
        case .string(let s): return .string(try await call.resolve(text: s).text)
        case .array(let items):
            var out: [Value] = []
            for i in items { out.append(try await resolveSecrets(in: i, call: call)) }
            return .array(out)
        case .object(let members):
            var out: [String: Value] = [:]
            for (k, v) in members { out[k] = try await resolveSecrets(in: v, call: call) }
            return .object(out)
        default: return value
        }
    }

    func expected(_ call: ActionCall) throws(ActionError) -> (Int) -> Bool {
        switch call.params["expect_status"] {
        case .none, .some(.null): return { (200...299).contains($0) }
        case .some(let v):
            if let i = v.intValue { return { $0 == i } }
            if case .array(let items) = v {
                let set = Set(items.compactMap(\.intValue))
                guard set.count == items.count else { throw .invalid("expect_status must be an integer or a list of integers") }
                return { set.contains($0) }
            }
            throw .invalid("expect_status must be an integer or a list of integers")
        }
    }

    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let p = try await prepare(call)
        _ = try expected(call)
        return ActionResult(outputs: ["planned": .bool(true)], summary: "would send \(p.display)")
    }

    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let p = try await prepare(call)
        let ok = try expected(call)
        call.log("sending \(p.display)")
        let response = try await transport.send(p.request)
        // A body over the limit is cut: mask a secret's first part the cut leaves at the end.
        let text = call.secrets.redactor.redact(String(decoding: response.body.prefix(Self.bodyLimit), as: UTF8.self),
                                                cut: response.body.count > Self.bodyLimit ? .end : [])
        guard ok(response.status) else {
            let snippet = call.secrets.redactor.prefix(of: text, maxCharacters: 300).replacingOccurrences(of: "\n", with: " ")
            throw ActionError(message: "\(p.display) answered HTTP \(response.status)\(snippet.isEmpty ? "" : ": \(snippet)")",
                              retryable: HTTPResponse.isRetryable(status: response.status), retryAfter: response.retryAfter)
        }
        var outputs: [String: Value] = ["status": .int(response.status), "body": .string(text)]
        if response.truncated || response.body.count > Self.bodyLimit { outputs["body_truncated"] = .bool(true) }
        if let ct = response.headers["content-type"], ct.contains("json"), !response.truncated, response.body.count <= Self.bodyLimit,
           let json = try? Value.parseJSON(response.body) {
            outputs["json"] = json
        }
        return ActionResult(outputs: outputs, summary: "\(p.display) → HTTP \(response.status)")
    }
}
