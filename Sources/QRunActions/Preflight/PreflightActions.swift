import QRunCore

/// The preflight actions, for the integrator to register (they need no transport or settings).
public enum PreflightActions {
    /// `preflight.scan`.
    public static func all() -> [any Action] {
        [PreflightScanAction()]
    }
}
