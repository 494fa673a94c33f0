import QRunCore

/// A fault injected into one step of a simulated drill (`--fault STEP=error|timeout|slow`).
public enum SimulationFault: String, Sendable, CaseIterable {
    /// Every attempt fails with a retryable error: retries, then `on_failure`, are exercised.
    case error
    /// The action never answers: the step's `timeout:` (or ``SimulatedAction/defaultTimeout``) ends it.
    case timeout
    /// The action answers late (half the step's timeout, else ``SimulatedAction/slowDelay``), then succeeds.
    case slow

    /// Parses `STEP=KIND`; nil with the reason when the text is not of that shape.
    public static func parse(_ text: String) -> Result<(step: String, fault: SimulationFault), SimulationFaultError> {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            return .failure(SimulationFaultError("--fault takes STEP=error|timeout|slow, not '\(text.prefix(80))'"))
        }
        let step = String(text[..<eq])
        let kind = String(text[text.index(after: eq)...])
        guard let fault = SimulationFault(rawValue: kind) else {
            let hint = Suggest.closest(to: kind, in: allCases.map(\.rawValue)).map { "; did you mean '\($0)'?" } ?? ""
            return .failure(SimulationFaultError("--fault \(step)=\(kind.prefix(40)): the fault must be error, timeout or slow\(hint)"))
        }
        return .success((step, fault))
    }
}

/// A `--fault` that cannot be used.
public struct SimulationFaultError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
