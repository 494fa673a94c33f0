/// The names a step's expressions can read, resolved lazily from the run's live state.
struct RunScope: ExpressionScope {
    var inputs: Value
    var outputs: [String: Value]
    var statuses: [String: StepStatus]
    var run: Value
    var alert: Value
    var event: Value
    var env: Value

    func resolve(_ path: [PathComponent]) throws(ExpressionError) -> Value {
        guard case .member(let root)? = path.first else {
            throw ExpressionError(message: "an expression must start with a name", offset: 0)
        }
        let rest = Array(path.dropFirst())
        switch root {
        case "inputs": return Self.walk(inputs, rest)
        case "run": return Self.walk(run, rest)
        case "alert": return Self.walk(alert, rest)
        case "event": return Self.walk(event, rest)
        case "env": return Self.walk(env, rest)
        case "steps":
            guard case .member(let id)? = rest.first else { return .null }
            let step: Value = .object([
                "outputs": outputs[id] ?? .object([:]),
                "status": .string(statuses[id]?.rawValue ?? "pending"),
            ])
            return Self.walk(step, Array(rest.dropFirst()))
        default:
            throw ExpressionError(message: "unknown name '\(root)'", offset: 0)
        }
    }

    static func walk(_ value: Value, _ path: [PathComponent]) -> Value {
        var v = value
        for c in path {
            switch c {
            case .member(let m): v = v[m] ?? .null
            case .index(let i):
                guard case .array(let a) = v, i >= 0, i < a.count else { return .null }
                v = a[i]
            }
        }
        return v
    }
}
