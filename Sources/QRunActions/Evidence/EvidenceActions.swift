import QRunCore

/// The evidence and integrity actions, for the integrator to register.
public enum EvidenceActions {
    /// `evidence.snapshot` and `integrity.manifest`.
    public static func all(transport: HTTPTransport, settings: ProviderSettings) -> [any Action] {
        [EvidenceSnapshotAction(settings: settings), IntegrityManifestAction()]
    }
}
