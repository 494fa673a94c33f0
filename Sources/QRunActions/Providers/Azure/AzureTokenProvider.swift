import Foundation
import QRunCore

/// Access tokens from the Microsoft identity platform by the OAuth 2.0 client credentials flow,
/// cached per app and scope until shortly before they expire.
///
/// `POST {authority}/{tenant}/oauth2/v2.0/token` with the form `client_id`, `client_secret`,
/// `scope` (`{resource}/.default`) and `grant_type=client_credentials`. A token is reused until
/// five minutes before its `expires_in` runs out (half its lifetime when that is shorter), and
/// dropped at once when a resource answers 401 (``invalidate(_:scope:)``). Every token is
/// registered with the call's redactor before it is used.
///
/// Errors carry the AADSTS code and the first sentence of Entra's description (the client secret
/// is cut out if a description ever echoed it). `invalid_client`, `unauthorized_client` and
/// other 4xx answers are not retryable; 429, 5xx and `temporarily_unavailable` are.
actor AzureTokenProvider {
    private struct Cached {
        var token: SecretValue
        var refreshAt: Date
    }

    private let transport: HTTPTransport
    private let now: @Sendable () -> Date
    private var cache: [String: Cached] = [:]

    /// - Parameters:
    ///   - transport: sends the token requests.
    ///   - now: the clock deciding when a cached token is too old (injected by tests).
    init(transport: HTTPTransport, now: @escaping @Sendable () -> Date = { Date() }) {
        self.transport = transport
        self.now = now
    }

    /// A bearer token for `scope`, from the cache or a new token request.
    ///
    /// - Throws: ``ActionError`` describing Entra's refusal, or a transport failure.
    func token(_ credentials: AzureCredentials, scope: String, call: ActionCall) async throws(ActionError) -> String {
        let key = credentials.cacheKey(scope: scope)
        if let hit = cache[key], now() < hit.refreshAt {
            call.secrets.redactor.register(hit.token)
            return hit.token.reveal()
        }
        let response = try await transport.send(method: "POST", url: credentials.tokenURL, form: [
            ("client_id", credentials.clientID),
            ("client_secret", credentials.clientSecret.reveal()),
            ("scope", scope),
            ("grant_type", "client_credentials"),
        ])
        guard response.status == 200 else { throw Self.refusal(response, credentials: credentials, scope: scope) }
        let body = response.json
        guard let token = body["access_token"]?.stringValue, !token.isEmpty else {
            throw ActionError(message: "Microsoft Entra ID answered the token request for client \(credentials.clientID) without an access_token", retryable: true)
        }
        call.secrets.redactor.register(rawValue: token)
        let lifetime = Self.seconds(body["expires_in"]) ?? 3599
        let margin = min(300, lifetime / 2)
        cache[key] = Cached(token: SecretValue(token), refreshAt: now().addingTimeInterval(TimeInterval(lifetime - margin)))
        return token
    }

    /// Forgets the cached token for `scope` (after a resource refused it).
    func invalidate(_ credentials: AzureCredentials, scope: String) {
        cache[credentials.cacheKey(scope: scope)] = nil
    }

    /// `expires_in` as seconds: v2.0 sends a number, v1.0 a string.
    static func seconds(_ value: Value?) -> Int? {
        switch value {
        case .int(let i)?: return i
        case .double(let d)?: return Int(d)
        case .string(let s)?: return Int(s)
        default: return nil
        }
    }

    /// Entra's error answer as an ``ActionError``.
    static func refusal(_ response: HTTPResponse, credentials: AzureCredentials, scope: String) -> ActionError {
        let body = response.json
        let error = body["error"]?.stringValue ?? "HTTP \(response.status)"
        var description = body["error_description"]?.stringValue ?? ""
        // Entra appends "\r\nTrace ID: …"; the first line is the sentence an operator needs.
        description = String(description.split(whereSeparator: \.isNewline).first ?? "")
        let secret = credentials.clientSecret.reveal()
        if !secret.isEmpty { description = description.replacingOccurrences(of: secret, with: "[REDACTED]") }
        if description.count > 400 { description = String(description.prefix(400)) + "…" }
        let retryable = HTTPResponse.isRetryable(status: response.status) || error == "temporarily_unavailable"
        var message = "Microsoft Entra ID refused a token for client \(credentials.clientID) in tenant \(credentials.tenantID) (scope \(scope)): \(error)"
        if !description.isEmpty { message += " — \(description)" }
        switch error {
        case "invalid_client":
            message += ". Check that AZURE_CLIENT_SECRET (or providers.azure.client_secret) holds the secret's value, not its id, and that it has not expired or been removed"
        case "unauthorized_client":
            message += ". Check AZURE_CLIENT_ID and AZURE_TENANT_ID name an app registered in that tenant"
        default:
            break
        }
        return ActionError(message: message, retryable: retryable, retryAfter: response.retryAfter)
    }
}
