import Foundation
import QRunCore

/// Signed calls to one AWS service in its wire protocol: query (IAM, STS), JSON 1.1 (Secrets
/// Manager) or REST-JSON (Braket). Non-2xx answers become ``AWSError`` with the service's code.
public struct AWSClient: Sendable {
    /// The service called.
    public let service: AWSService
    let transport: HTTPTransport
    /// The endpoint (scheme, host, port, optional base path).
    public let endpoint: URL
    let signer: SigV4Signer
    let now: @Sendable () -> Date
    var timeout: Duration = .seconds(30)

    init(service: AWSService, transport: HTTPTransport, endpoint: URL, signer: SigV4Signer, now: @escaping @Sendable () -> Date) {
        self.service = service
        self.transport = transport
        self.endpoint = endpoint
        self.signer = signer
        self.now = now
    }

    /// The API versions of the query-protocol services.
    static func queryVersion(_ service: AWSService) -> String {
        service == .sts ? "2011-06-15" : "2010-05-08"
    }

    /// A query-protocol call (`Action=…&Version=…` form POST); returns the parsed XML document.
    public func query(_ action: String, _ params: [(String, String)]) async throws(AWSError) -> AWSXMLNode {
        let form = [("Action", action), ("Version", Self.queryVersion(service))] + params
        let body = Data(PercentEncoding.form(form).utf8)
        let response = try await send(action, method: "POST", path: "/", body: body,
                                      headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
        guard let xml = AWSXMLNode.parse(response.body) else {
            throw AWSError(service: service.displayName, operation: action, status: response.status, code: "MalformedResponse",
                           message: "the answer was not XML", retryAfter: nil)
        }
        return xml
    }

    /// A JSON 1.1 call (`X-Amz-Target: <prefix>.<operation>`).
    public func json(_ operation: String, _ body: Value) async throws(AWSError) -> Value {
        let prefix = service == .secretsManager ? "secretsmanager" : service.signingName
        let response = try await send(operation, method: "POST", path: "/", body: Data(body.jsonText.utf8),
                                      headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "\(prefix).\(operation)")])
        return response.json
    }

    /// A REST-JSON call; `path` is the wire path with labels already percent-encoded.
    public func rest(_ operation: String, method: String, path: String, query: [(String, String)] = [], body: Value? = nil) async throws(AWSError) -> Value {
        let data = body.map { Data($0.jsonText.utf8) } ?? Data()
        let headers = body == nil ? [] : [("Content-Type", "application/json")]
        let response = try await send(operation, method: method, path: path, query: query, body: data, headers: headers)
        return response.json
    }

    /// Signs and sends; throws ``AWSError`` for transport failures and non-2xx answers.
    func send(_ operation: String, method: String, path: String, query: [(String, String)] = [], body: Data,
              headers: [(String, String)]) async throws(AWSError) -> HTTPResponse {
        let basePath = endpoint.path.hasSuffix("/") ? String(endpoint.path.dropLast()) : endpoint.path
        let wirePath = basePath + path
        var urlText = "\(endpoint.scheme ?? "https")://\(hostHeader)\(wirePath)"
        if !query.isEmpty {
            urlText += "?" + query.map { "\(PercentEncoding.uri($0.0))=\(PercentEncoding.uri($0.1))" }.joined(separator: "&")
        }
        guard let url = URL(string: urlText) else {
            throw AWSError(service: service.displayName, operation: operation, transport: .invalid("cannot build a URL for \(operation)"))
        }
        let signed = signer.sign(method: method, path: wirePath, query: query, headers: [("Host", hostHeader)] + headers, body: body, date: now())
        // URLSession writes Host itself (the same value that was signed); sending it twice would break the signature.
        let sendHeaders = signed.headers.filter { $0.0.lowercased() != "host" } + [("Accept", "application/json")]
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(method: method, url: url, headers: sendHeaders, body: body.isEmpty && method == "GET" ? nil : body, timeout: timeout))
        } catch {
            throw AWSError(service: service.displayName, operation: operation, transport: error)
        }
        guard (200...299).contains(response.status) else { throw parseError(operation, response) }
        return response
    }

    /// `host` or `host:port` as libcurl sends it (the port only when it is not the scheme's default;
    /// an IPv6 literal in brackets), which is also the signed canonical `host` header.
    var hostHeader: String {
        endpoint.authority
    }

    /// The service's error code and message from an XML or JSON error answer.
    func parseError(_ operation: String, _ response: HTTPResponse) -> AWSError {
        var code = ""
        var message = ""
        if let xml = AWSXMLNode.parse(response.body), xml.name != "html" {
            code = xml.text(of: "Code") ?? ""
            message = xml.text(of: "Message") ?? ""
        } else if case .object(let o) = response.json {
            code = (o["__type"] ?? o["code"] ?? o["Code"])?.stringValue ?? ""
            message = (o["message"] ?? o["Message"])?.stringValue ?? ""
        }
        if let header = response.headers["x-amzn-errortype"], !header.isEmpty { code = header }
        // "ResourceNotFoundException:http://internal…" or "com.amazonaws.secretsmanager#ResourceNotFoundException"
        if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        if message.isEmpty && code.isEmpty { message = response.text(limit: 200).replacingOccurrences(of: "\n", with: " ") }
        return AWSError(service: service.displayName, operation: operation, status: response.status, code: code,
                        message: String(message.prefix(400)), retryAfter: response.retryAfter)
    }
}
