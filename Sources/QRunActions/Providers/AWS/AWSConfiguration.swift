import Foundation
import QRunCore

/// Where AWS is and who qrun is there: region, endpoints and credential references, from
/// `providers.aws` in the workspace config with the standard AWS variables as fallback.
///
/// | what | config key (`providers.aws`) | standard variable |
/// |---|---|---|
/// | region | `region` | `AWS_REGION`, then `AWS_DEFAULT_REGION`; default `us-east-1` |
/// | endpoint, one service | `endpoint_url_iam`, `endpoint_url_secrets_manager`, `endpoint_url_braket`, `endpoint_url_sts` | `AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_BRAKET`, `AWS_ENDPOINT_URL_STS` |
/// | endpoint, all services | `endpoint_url` | `AWS_ENDPOINT_URL` |
/// | access key ID | `access_key_id` (reference) | `AWS_ACCESS_KEY_ID` |
/// | secret access key | `secret_access_key` (reference) | `AWS_SECRET_ACCESS_KEY` |
/// | session token | `session_token` (reference) | `AWS_SESSION_TOKEN` |
///
/// Credentials are resolved through ``QRunCore/ActionCall/credential(_:what:configure:)`` so every
/// value is registered for masking before it is used.
public struct AWSConfiguration: Sendable {
    /// The provider key in the workspace config.
    public static let provider = "aws"

    /// Config and environment.
    public var settings: ProviderSettings

    /// Creates a configuration over `settings`.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    /// The region (default `us-east-1`).
    public var region: String {
        settings.value(Self.provider, "region", env: ["AWS_REGION", "AWS_DEFAULT_REGION"]) ?? "us-east-1"
    }

    /// The endpoint of `service`: its own setting, else the global one, else the public endpoint.
    public func endpoint(_ service: AWSService) throws(ActionError) -> URL {
        let configured = settings.value(Self.provider, service.configKey, env: ["AWS_ENDPOINT_URL_\(service.environmentSuffix)"])
            ?? settings.value(Self.provider, "endpoint_url", env: ["AWS_ENDPOINT_URL"])
        let text = configured ?? service.defaultEndpoint(region: region)
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              url.host != nil else {
            throw ActionError.invalid("the \(service.displayName) endpoint '\(text)' is not an http(s) URL; fix AWS_ENDPOINT_URL_\(service.environmentSuffix) or providers.aws.\(service.configKey)")
        }
        return url
    }

    /// Resolves the caller's credentials (registering them for masking).
    public func credentials(for call: ActionCall) async throws(ActionError) -> AWSCredentials {
        let idRef = settings.credentialReference(Self.provider, "access_key_id", env: ["AWS_ACCESS_KEY_ID"])
        let secretRef = settings.credentialReference(Self.provider, "secret_access_key", env: ["AWS_SECRET_ACCESS_KEY"])
        let tokenRef = settings.credentialReference(Self.provider, "session_token", env: ["AWS_SESSION_TOKEN"])
        let id = try await call.credential(idRef, what: "AWS access key ID",
                                           configure: "set AWS_ACCESS_KEY_ID or providers.aws.access_key_id (a secret reference such as secret:env:NAME)")
        let secret = try await call.credential(secretRef, what: "AWS secret access key",
                                               configure: "set AWS_SECRET_ACCESS_KEY or providers.aws.secret_access_key (a secret reference such as secret:env:NAME)")
        var token: String?
        if tokenRef != nil {
            token = try await call.credential(tokenRef, what: "AWS session token",
                                              configure: "set AWS_SESSION_TOKEN or providers.aws.session_token, or unset both for long-term keys")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }

    /// A signed client for `service`, with credentials resolved for `call`.
    public func client(_ service: AWSService, call: ActionCall, transport: HTTPTransport,
                       now: @escaping @Sendable () -> Date) async throws(ActionError) -> AWSClient {
        let endpoint = try endpoint(service)
        let credentials = try await credentials(for: call)
        let signer = SigV4Signer(credentials: credentials, region: service.signingRegion(region: region), service: service.signingName)
        return AWSClient(service: service, transport: transport, endpoint: endpoint, signer: signer, now: now)
    }
}
