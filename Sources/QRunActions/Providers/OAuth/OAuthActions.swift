import Foundation
import QRunCore

/// The OAuth 2.0 actions: `oauth.token.revoke`.
public enum OAuthActions {
    /// Every OAuth action, talking through `transport` with the defaults in `settings` (key `oauth`).
    public static func all(transport: HTTPTransport, settings: ProviderSettings) -> [any Action] {
        [OAuthTokenRevokeAction(transport: transport, settings: settings)]
    }
}
