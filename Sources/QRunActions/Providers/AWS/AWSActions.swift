import Foundation
import QRunCore

/// The AWS actions, for the integrator to register:
/// `aws.iam.access-key.deactivate`, `aws.iam.access-key.delete`, `aws.iam.revoke-older-sessions`,
/// `aws.secretsmanager.rotate` and `aws.braket.cancel-tasks`.
public enum AWSActions {
    /// Every AWS action, configured from `settings` (provider key `aws`, standard AWS variables).
    public static func all(transport: HTTPTransport, settings: ProviderSettings) -> [any Action] {
        all(transport: transport, settings: settings, now: { Date() })
    }

    /// Same, with an injected clock (tests).
    static func all(transport: HTTPTransport, settings: ProviderSettings, now: @escaping @Sendable () -> Date) -> [any Action] {
        let c = AWSConfiguration(settings: settings)
        return [
            AWSIAMAccessKeyDeactivateAction(configuration: c, transport: transport, now: now),
            AWSIAMAccessKeyDeleteAction(configuration: c, transport: transport, now: now),
            AWSIAMRevokeOlderSessionsAction(configuration: c, transport: transport, now: now),
            AWSSecretsManagerRotateAction(configuration: c, transport: transport, now: now),
            AWSBraketCancelTasksAction(configuration: c, transport: transport, now: now),
        ]
    }
}
