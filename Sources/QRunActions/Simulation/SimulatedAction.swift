import QRunCore

/// Stands in for a real action in a simulated drill: it checks the rendered parameters against the
/// real action's descriptor, answers with plausible outputs (`simulated: true` and every output a
/// later step of the runbook reads), and performs no I/O: it resolves no secret, opens no socket,
/// starts no process. Faults make it fail, hang or answer late; waits are on the engine's clock.
public struct SimulatedAction: Action {
    /// How long a `timeout` fault hangs a step that has no `timeout:` before failing it.
    public static let defaultTimeout: Duration = .seconds(30)
    /// How late a `slow` fault answers in a step without `timeout:`.
    public static let slowDelay: Duration = .seconds(5)

    public let descriptor: ActionDescriptor
    /// Faults by step id.
    public let faults: [String: SimulationFault]
    /// Output names later steps read, by step id.
    public let outputNames: [String: [String]]
    public let clock: any EngineClock

    public init(descriptor: ActionDescriptor, faults: [String: SimulationFault], outputNames: [String: [String]], clock: any EngineClock) {
        self.descriptor = descriptor
        self.faults = faults
        self.outputNames = outputNames
        self.clock = clock
    }

    public func plan(_ call: ActionCall) async throws -> ActionResult {
        try check(call)
        return ActionResult(outputs: ["simulated": .bool(true)], summary: "simulated: would call \(descriptor.name)")
    }

    public func apply(_ call: ActionCall) async throws -> ActionResult {
        try check(call)
        switch faults[call.stepID] {
        case .error?:
            call.log("simulated fault: \(descriptor.name) fails (attempt \(call.attempt))")
            throw ActionError(message: "simulated fault: \(descriptor.name) answered 503 Service Unavailable (attempt \(call.attempt))",
                              retryable: true)
        case .timeout?:
            call.log("simulated fault: \(descriptor.name) does not answer")
            if let t = call.timeout {
                // The engine's timeout for the step ends this wait; the extra margin only matters
                // if it did not.
                try await clock.sleep(for: t * 2)
                throw ActionError(message: "simulated fault: no answer within \(DurationParser.format(t))", retryable: true)
            }
            try await clock.sleep(for: Self.defaultTimeout)
            let limit = DurationParser.format(Self.defaultTimeout)
            throw ActionError(message: "timed out after \(limit) (simulated fault; the step sets no timeout:, "
                              + "so the simulation stopped waiting after \(limit); a real call could hang longer)",
                              retryable: true)
        case .slow?:
            let delay = call.timeout.map { $0 / 2 } ?? Self.slowDelay
            call.log("simulated fault: \(descriptor.name) answers after \(DurationParser.format(delay))")
            try await clock.sleep(for: delay)
        case nil:
            break
        }
        return ActionResult(outputs: outputs(for: call.stepID), summary: "simulated \(descriptor.name): no request was made")
    }

    func outputs(for step: String) -> [String: Value] {
        var out: [String: Value] = ["simulated": .bool(true)]
        for name in outputNames[step] ?? [] where out[name] == nil {
            out[name] = .string("simulated-\(name)")
        }
        return out
    }

    /// The checks the real action makes on its parameters before any request: required ones
    /// present, each of an accepted shape, no unknown ones.
    func check(_ call: ActionCall) throws(ActionError) {
        for spec in descriptor.parameters {
            let value = call.params[spec.name] ?? .null
            if spec.required, value.isNull || value.stringValue?.trimmingCharacters(in: .whitespaces).isEmpty == true {
                throw .invalid("parameter '\(spec.name)' is required")
            }
            if !value.isNull, !spec.accepts(value) {
                throw .invalid("parameter '\(spec.name)' must be a \(spec.kind.rawValue), not a \(value.typeName)")
            }
            if spec.secret == .required, let text = value.stringValue, !text.hasPrefix(SecretReference.prefix) {
                throw .invalid("parameter '\(spec.name)' must be a secret reference (secret:env:NAME, secret:file:PATH or secret:vault:…)")
            }
        }
        if !descriptor.acceptsUnknownParameters {
            for name in call.params.keys.sorted() where descriptor.parameter(name) == nil {
                throw .invalid("\(descriptor.name) has no parameter '\(name)'")
            }
        }
    }
}
