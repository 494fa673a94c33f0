import QRunCore

/// Registers the actions this module provides.
public enum BuiltinActions {
    /// The core actions plus `http.request` and `shell.exec`.
    public static func registry(transport: HTTPTransport = URLSessionTransport()) -> ActionRegistry {
        var r = ActionRegistry.core
        r.register(HTTPRequestAction(transport: transport))
        r.register(ShellExecAction())
        return r
    }
}
