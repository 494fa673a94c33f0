import Foundation
import QRunCore

/// Exchanges IBM Cloud API keys for IAM access tokens and keeps them in memory.
///
/// `POST {iam_endpoint}/identity/token` with the form
/// `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=…` (IBM Cloud docs, "Generating an
/// IBM Cloud IAM token by using an API key"). A token is reused until 80% of its `expires_in` has
/// passed; ``invalidate(_:)`` drops it when a service answers 401, so the caller can ask once more.
/// Tokens are cached under a SHA-256 digest of endpoint and key, never on disk.
public actor IAMTokenProvider {
    /// The grant type IAM expects for API keys.
    public static let grantType = "urn:ibm:params:oauth:grant-type:apikey"

    private var cache: [String: IAMToken] = [:]
    private let now: @Sendable () -> Date

    /// Creates an empty cache; `now` is injectable so tests can move time.
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// A valid access token for `apiKey`: the cached one while it is fresh, else a new one.
    ///
    /// - Throws: ``ActionError``: not retryable when IAM refuses the key (400/401), retryable for
    ///   429, 5xx and transport failures.
    public func token(apiKey: String, endpoint: URL, transport: HTTPTransport) async throws(ActionError) -> IAMToken {
        let slot = Self.slot(apiKey, endpoint)
        if let cached = cache[slot], cached.refreshAt > now() { return cached }
        let response = try await Self.request(apiKey: apiKey, endpoint: endpoint, transport: transport)
        guard response.status == 200 else {
            var e = response.ibmError("IBM IAM did not issue a token for the configured API key")
            if response.status == 400 || response.status == 401 {
                e.message += "; check IBMCLOUD_API_KEY or providers.ibm.api_key"
            }
            throw e
        }
        guard let token = IAMToken(response: response.json, now: now()) else {
            throw ActionError(message: "IBM IAM answered 200 without an access_token", retryable: true)
        }
        cache[slot] = token
        return token
    }

    /// Forgets `token` (a service refused it) so that the next ``token(apiKey:endpoint:transport:)``
    /// asks IAM again. A newer token cached meanwhile is kept.
    public func invalidate(_ token: IAMToken) {
        for (slot, cached) in cache where cached.accessToken == token.accessToken {
            cache[slot] = nil
        }
    }

    /// One token request, whatever IAM answers (no caching): also used to probe whether a leaked
    /// key is still accepted.
    public static func request(apiKey: String, endpoint: URL, transport: HTTPTransport) async throws(ActionError) -> HTTPResponse {
        try await transport.send(method: "POST", url: ProviderEndpoint.url(endpoint, "/identity/token"),
                                 form: [("grant_type", grantType), ("apikey", apiKey)], timeout: .seconds(20))
    }

    static func slot(_ apiKey: String, _ endpoint: URL) -> String {
        Digest.sha256Hex(endpoint.absoluteString + "\n" + apiKey)
    }
}
