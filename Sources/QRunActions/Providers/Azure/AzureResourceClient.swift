import Foundation
import QRunCore

/// Sends requests to a resource protected by Microsoft Entra ID (Graph, Key Vault) with a bearer
/// token for that resource's scope.
///
/// A 401 means the cached token was refused (expired early, revoked, wrong audience): the token
/// is dropped and the request sent once more with a fresh one; a second 401 is returned to the
/// caller as is.
struct AzureResourceClient: Sendable {
    var transport: HTTPTransport
    var tokens: AzureTokenProvider
    var credentials: AzureCredentials
    /// `{resource}/.default`.
    var scope: String

    /// Sends one request and returns the response, whatever its status.
    ///
    /// - Throws: ``ActionError`` when no token can be had or the transport fails.
    func send(_ method: String, _ url: URL, json: Value? = nil, call: ActionCall) async throws(ActionError) -> HTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            let token = try await tokens.token(credentials, scope: scope, call: call)
            let response = try await transport.send(method: method, url: url, headers: [("Authorization", "Bearer \(token)")], json: json)
            if response.status == 401 && attempt == 1 {
                await tokens.invalidate(credentials, scope: scope)
                continue
            }
            return response
        }
    }
}
