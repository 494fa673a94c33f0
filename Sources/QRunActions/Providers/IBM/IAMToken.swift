import Foundation
import QRunCore

/// An IAM access token with what qrun reads from it.
///
/// The identity claims are read from the JWT payload without checking the signature: they are
/// used only to explain a refusal before IBM gives one (for example "this key belongs to another
/// account"), never to grant anything.
public struct IAMToken: Sendable {
    /// The bearer token (a secret: registered with the redactor before every use).
    public var accessToken: String
    /// When IAM says the token expires.
    public var expiresAt: Date
    /// When qrun stops reusing it and asks for a new one.
    public var refreshAt: Date
    /// `iam_id` claim: the identity the token acts as.
    public var iamID: String?
    /// `account.bss` claim: the account the token acts in.
    public var accountID: String?

    /// Parses IAM's token response (`access_token`, `expires_in`, `expiration`).
    ///
    /// qrun refreshes after 80% of the lifetime has passed, as IBM's SDK cores do, so a token is
    /// never used in its last minutes.
    init?(response json: Value, now: Date) {
        guard let token = json["access_token"]?.stringValue, !token.isEmpty else { return nil }
        let lifetime = Double(json["expires_in"]?.intValue ?? 3600)
        accessToken = token
        expiresAt = now.addingTimeInterval(lifetime)
        refreshAt = now.addingTimeInterval(max(0, lifetime * 0.8))
        let claims = JWTClaims.decode(token)
        iamID = claims["iam_id"]?.stringValue ?? claims["sub"]?.stringValue
        accountID = claims["account"]?["bss"]?.stringValue
    }
}
