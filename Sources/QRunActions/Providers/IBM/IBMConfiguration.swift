import Foundation
import QRunCore

/// IBM Cloud settings (provider key `ibm`), resolved from ``ProviderSettings``.
///
/// | key | default | what |
/// |---|---|---|
/// | `api_key` | `secret:env:IBMCLOUD_API_KEY` when that variable is set | reference to the IBM Cloud API key qrun acts with |
/// | `iam_endpoint` | `https://iam.cloud.ibm.com` | IAM token and Identity API base (override for tests and sovereign clouds) |
/// | `quantum_endpoint` | `https://quantum.cloud.ibm.com/api` | IBM Quantum Runtime REST API base; `/v1/jobs` is appended (eu-de: `https://eu-de.quantum.cloud.ibm.com/api`) |
/// | `quantum_instance` | none | CRN of the Qiskit Runtime instance, sent as the `Service-CRN` header |
/// | `quantum_api_version` | `2025-05-01` | value of the `IBM-API-Version` header |
public struct IBMConfiguration: Sendable {
    /// The provider key in the workspace config.
    public static let provider = "ibm"
    /// IBM's public IAM endpoint.
    public static let defaultIAMEndpoint = "https://iam.cloud.ibm.com"
    /// The global IBM Quantum Platform API (docs: quantum.cloud.ibm.com/docs/api/runtime).
    public static let defaultQuantumEndpoint = "https://quantum.cloud.ibm.com/api"
    /// The API version the request shapes here were taken from.
    public static let defaultQuantumAPIVersion = "2025-05-01"
    /// What to tell an operator when the API key is missing.
    public static let apiKeyHelp = "export IBMCLOUD_API_KEY, or set providers.ibm.api_key to a secret reference such as secret:env:NAME or secret:file:PATH"

    /// IAM base URL.
    public var iamEndpoint: URL
    /// Quantum Runtime API base URL.
    public var quantumEndpoint: URL
    /// The Qiskit Runtime instance CRN, when configured.
    public var quantumInstance: String?
    /// The `IBM-API-Version` header value.
    public var quantumAPIVersion: String
    /// Reference to the API key (never the key itself).
    public var apiKeyReference: String?

    /// Reads and validates the settings.
    ///
    /// - Throws: ``ActionError`` (not retryable) for a malformed endpoint.
    public init(settings: ProviderSettings) throws(ActionError) {
        let p = Self.provider
        iamEndpoint = try ProviderEndpoint.parse(settings.value(p, "iam_endpoint") ?? Self.defaultIAMEndpoint,
                                                 what: "providers.ibm.iam_endpoint")
        quantumEndpoint = try ProviderEndpoint.parse(settings.value(p, "quantum_endpoint") ?? Self.defaultQuantumEndpoint,
                                                     what: "providers.ibm.quantum_endpoint")
        quantumInstance = settings.value(p, "quantum_instance")
        quantumAPIVersion = settings.value(p, "quantum_api_version") ?? Self.defaultQuantumAPIVersion
        apiKeyReference = settings.credentialReference(p, "api_key", env: ["IBMCLOUD_API_KEY"])
    }

    /// The configured instance CRN.
    ///
    /// - Throws: ``ActionError`` (not retryable) saying what to configure when it is missing.
    public func requiredInstance() throws(ActionError) -> String {
        guard let crn = quantumInstance, !crn.isEmpty else {
            throw .invalid("no IBM Quantum instance configured; set providers.ibm.quantum_instance to the instance CRN (crn:v1:bluemix:public:quantum-computing:…)")
        }
        guard !crn.contains("\r"), !crn.contains("\n") else { throw .invalid("providers.ibm.quantum_instance contains a line break") }
        return crn
    }
}
