/// What the validator and `qrun plan` know about an action without calling it.
public struct ActionDescriptor: Sendable {
    /// Dotted, provider first: `vault.kv.rotate`.
    public var name: String
    public var summary: String
    public var parameters: [ParameterSpec]
    /// Whether `with` may hold keys not listed in `parameters`.
    public var acceptsUnknownParameters: Bool
    /// Whether the action implements `verify`.
    public var supportsVerify: Bool
    /// Groups of parameters of which at least one must be given and non-empty (e.g. an
    /// application or a service principal): checked before a run starts.
    public var requiresOneOf: [[String]] = []
    /// The outputs the action promises (what `steps.<id>.outputs.*` may read), for the reference
    /// documentation; empty when the action has not declared them.
    public var outputs: [OutputSpec] = []
    /// Whether `outputs` was declared (an action may declare that it has none).
    public var outputsDeclared = false

    public init(name: String, summary: String, parameters: [ParameterSpec],
                acceptsUnknownParameters: Bool = false, supportsVerify: Bool = false) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.acceptsUnknownParameters = acceptsUnknownParameters
        self.supportsVerify = supportsVerify
    }

    public func parameter(_ name: String) -> ParameterSpec? {
        parameters.first { $0.name == name }
    }
}

/// One output of an action, as the reference documentation lists it.
public struct OutputSpec: Sendable, Equatable {
    public var name: String
    /// string, int, bool, list, map.
    public var kind: String
    public var description: String

    public init(_ name: String, _ kind: String, _ description: String) {
        self.name = name
        self.kind = kind
        self.description = description
    }
}

extension ActionDescriptor {
    /// This descriptor with `outputs` declared.
    public func declaring(_ outputs: [OutputSpec]) -> ActionDescriptor {
        var d = self
        d.outputs = outputs
        d.outputsDeclared = true
        return d
    }
}

/// One parameter of an action.
public struct ParameterSpec: Sendable {
    /// Accepted shapes of a parameter value.
    public enum Kind: String, Sendable {
        case string, int, bool, duration, list, map, any
        /// An int or a list of ints (e.g. `expect_status`).
        case intOrList = "int or list of ints"
        /// A string or a map (e.g. a request body).
        case stringOrMap = "string or map"
    }

    /// Whether the value may, must or must not be a secret reference.
    public enum SecretPolicy: Sendable {
        case forbidden, allowed, required
    }

    public var name: String
    public var kind: Kind
    public var required: Bool
    public var secret: SecretPolicy
    public var description: String

    public init(_ name: String, _ kind: Kind, required: Bool = false, secret: SecretPolicy = .allowed,
                description: String = "") {
        self.name = name
        self.kind = kind
        self.required = required
        self.secret = secret
        self.description = description
    }

    /// Whether a static value has an acceptable shape (durations are strings that parse).
    public func accepts(_ value: Value) -> Bool {
        switch (kind, value) {
        case (.any, _): return true
        case (.string, .string): return true
        case (.string, .int), (.string, .double), (.string, .bool): return true
        case (.int, .int): return true
        case (.bool, .bool): return true
        case (.duration, .string(let s)): return DurationParser.parse(s) != nil
        case (.list, .array): return true
        case (.map, .object): return true
        case (.intOrList, .int): return true
        case (.intOrList, .array(let items)): return items.allSatisfy { $0.intValue != nil }
        case (.stringOrMap, .string), (.stringOrMap, .object): return true
        default: return false
        }
    }
}

/// Looks actions up by name; the validator's view of the action registry.
public protocol ActionCatalog: Sendable {
    func descriptor(for name: String) -> ActionDescriptor?
    var actionNames: [String] { get }
}
