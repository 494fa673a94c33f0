import Foundation
import QRunCore

/// An app registration's client credential for the OAuth 2.0 client credentials flow.
///
/// The secret is held as a ``SecretValue`` so that printing or reflecting the credential shows
/// `[secret]`; it is revealed only into the token request's form body.
struct AzureCredentials: Sendable {
    /// Token authority without the tenant, e.g. `https://login.microsoftonline.com`.
    var authority: URL
    /// Directory (tenant) id or verified domain.
    var tenantID: String
    /// Application (client) id of the app qrun signs in as.
    var clientID: String
    /// The client secret's value.
    var clientSecret: SecretValue

    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    var tokenURL: URL {
        AzureEndpoint.url(authority, "/\(tenantID)/oauth2/v2.0/token")
    }

    /// What identifies a cached token: the same app in the same tenant at the same authority,
    /// signed in with the same secret (a digest, never the value), for one scope.
    func cacheKey(scope: String) -> String {
        let secretDigest = Digest.sha256Hex(clientSecret.reveal())
        return [authority.absoluteString, tenantID, clientID, secretDigest, scope].joined(separator: "\n")
    }
}
