import Foundation

/// One step of a runbook: an action call with its parameters, dependencies and policies.
public struct StepSpec: Sendable {
    /// Which part of the runbook the step belongs to.
    public enum Phase: String, Sendable, Codable, Hashable {
        case main
        case onFailure = "on_failure"
    }

    public var id: String
    public var phase: Phase
    /// The action name, e.g. `http.request`.
    public var uses: String
    /// Parameters, each a value tree whose strings may hold `${{ }}` templates.
    public var with: [String: ParameterValue]
    public var needs: [String]
    /// The `if` condition, when present.
    public var condition: Template?
    public var retry: RetryPolicy
    public var timeout: Duration?
    public var description: String?
    /// Where the step's `id` key stands.
    public var location: SourceLocation
    /// Where each `needs` entry stands (same order as `needs`).
    public var needsLocations: [SourceLocation] = []
    /// Where the `if` value stands.
    public var conditionLocation: SourceLocation?
}

/// A parameter value: a `Value` tree in which strings are templates.
public indirect enum ParameterValue: Sendable {
    case literal(Value)
    case template(Template, SourceLocation)
    case array([ParameterValue])
    case object([String: ParameterValue])

    /// Every template inside, with where it stands.
    public var templates: [(Template, SourceLocation)] {
        switch self {
        case .literal: return []
        case .template(let t, let loc): return [(t, loc)]
        case .array(let items): return items.flatMap(\.templates)
        case .object(let members): return members.keys.sorted().flatMap { members[$0]!.templates }
        }
    }

    /// Renders every template in `scope`.
    public func render(in scope: ExpressionScope) throws -> Value {
        switch self {
        case .literal(let v): return v
        case .template(let t, _): return try t.render(in: scope)
        case .array(let items): return .array(try items.map { try $0.render(in: scope) })
        case .object(let members): return .object(try members.mapValues { try $0.render(in: scope) })
        }
    }

    /// The value when it holds no template (what validation can check statically).
    public var staticValue: Value? {
        switch self {
        case .literal(let v): return v
        case .template(let t, _): return t.isLiteral ? t.render(literalOnly: ()) : nil
        case .array(let items):
            var out: [Value] = []
            for item in items {
                guard let v = item.staticValue else { return nil }
                out.append(v)
            }
            return .array(out)
        case .object(let members):
            var out: [String: Value] = [:]
            for (k, item) in members {
                guard let v = item.staticValue else { return nil }
                out[k] = v
            }
            return .object(out)
        }
    }
}

extension Template {
    /// The text of a template with no expressions.
    func render(literalOnly: Void) -> Value {
        (try? render(in: ValueScope(.object([:])))) ?? .null
    }
}
