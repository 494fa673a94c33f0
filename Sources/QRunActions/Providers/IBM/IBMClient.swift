import Foundation
import QRunCore

/// Authenticated calls to IBM Cloud IAM and IBM Quantum for one action call.
///
/// Every request carries a bearer token from the shared ``IAMTokenProvider``; a 401 drops that
/// token and the request is sent once more with a fresh one (IAM tokens can be revoked or expire
/// early), never more. The token is registered with the call's redactor before use.
struct IBMClient: Sendable {
    let transport: HTTPTransport
    let tokens: IAMTokenProvider
    let configuration: IBMConfiguration

    /// The API key qrun acts with, resolved now and registered for masking.
    ///
    /// - Throws: ``ActionError`` naming what to configure when no key is configured.
    func apiKey(_ call: ActionCall) async throws(ActionError) -> String {
        try await call.credential(configuration.apiKeyReference, what: "IBM Cloud API key", configure: IBMConfiguration.apiKeyHelp)
    }

    /// The token qrun acts with (and so the identity and account it acts as).
    func identity(_ call: ActionCall) async throws(ActionError) -> IAMToken {
        let key = try await apiKey(call)
        let token = try await tokens.token(apiKey: key, endpoint: configuration.iamEndpoint, transport: transport)
        call.secrets.redactor.register(rawValue: token.accessToken)
        return token
    }

    /// A request to the IAM Identity API (`path` under `iam_endpoint`).
    func iam(_ call: ActionCall, _ method: String, _ path: String) async throws(ActionError) -> HTTPResponse {
        try await send(call, method, ProviderEndpoint.url(configuration.iamEndpoint, path), headers: [])
    }

    /// A request to the Quantum Runtime API (`path` under `quantum_endpoint`), with the
    /// `Service-CRN` and `IBM-API-Version` headers.
    func quantum(_ call: ActionCall, _ method: String, _ path: String, query: [(String, String)] = []) async throws(ActionError) -> HTTPResponse {
        let crn = try configuration.requiredInstance()
        return try await send(call, method, ProviderEndpoint.url(configuration.quantumEndpoint, path, query: query),
                              headers: [("Service-CRN", crn), ("IBM-API-Version", configuration.quantumAPIVersion)])
    }

    private func send(_ call: ActionCall, _ method: String, _ url: URL, headers: [(String, String)]) async throws(ActionError) -> HTTPResponse {
        var token = try await identity(call)
        var response = try await transport.send(method: method, url: url, headers: [("Authorization", "Bearer \(token.accessToken)")] + headers)
        if response.status == 401 {
            call.log("IBM answered 401 to a cached IAM token; asking IAM for a new one and trying once more")
            await tokens.invalidate(token)
            token = try await identity(call)
            response = try await transport.send(method: method, url: url, headers: [("Authorization", "Bearer \(token.accessToken)")] + headers)
        }
        return response
    }
}
