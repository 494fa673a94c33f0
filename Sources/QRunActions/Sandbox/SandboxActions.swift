import QRunCore

/// The sandbox actions, for the integrator to register.
public enum SandboxActions {
    /// `sandbox.kill`. The transport is unused; the container CLI gets its environment from `settings.environment`.
    public static func all(transport: HTTPTransport, settings: ProviderSettings) -> [any Action] {
        [SandboxKillAction(environment: settings.environment)]
    }
}
