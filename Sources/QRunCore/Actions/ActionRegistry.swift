/// The set of actions a qrun process knows: core ones and whatever later modules register.
public struct ActionRegistry: ActionCatalog {
    private var actions: [String: any Action] = [:]

    public init() {}

    /// A registry holding the core actions (`core.noop`, `core.sleep`, `core.approval`).
    public static var core: ActionRegistry {
        var r = ActionRegistry()
        r.register(NoopAction())
        r.register(SleepAction())
        r.register(ApprovalAction())
        return r
    }

    /// Adds (or replaces) an action under its descriptor's name.
    public mutating func register(_ action: any Action) {
        actions[action.descriptor.name] = action
    }

    public func action(_ name: String) -> (any Action)? { actions[name] }

    public func descriptor(for name: String) -> ActionDescriptor? { actions[name]?.descriptor }

    public var actionNames: [String] { actions.keys.sorted() }
}
