import Foundation
import QRunCore

/// The IBM Cloud actions: `ibm.apikey.lock`, `ibm.apikey.disable`, `ibm.apikey.delete` and
/// `ibm.quantum.jobs.cancel`. They share one in-memory IAM token cache.
public enum IBMActions {
    /// Every IBM action, talking through `transport` with the endpoints and credential in `settings`.
    public static func all(transport: HTTPTransport, settings: ProviderSettings) -> [any Action] {
        all(transport: transport, settings: settings, tokens: IAMTokenProvider())
    }

    /// Every IBM action with a given token cache (tests inject one with a movable clock).
    static func all(transport: HTTPTransport, settings: ProviderSettings, tokens: IAMTokenProvider) -> [any Action] {
        IBMAPIKeyOperation.allCases.map { IBMAPIKeyAction($0, transport: transport, settings: settings, tokens: tokens) }
            + [IBMQuantumJobsCancelAction(transport: transport, settings: settings, tokens: tokens)]
    }
}
