/// The shape of a run the state machine needs: steps, their dependencies and policies.
/// Built from a ``Runbook``; holds no values, so the state machine stays pure.
public struct RunPlan: Sendable {
    /// One node of the DAG.
    public struct Node: Sendable {
        public var id: String
        public var phase: StepSpec.Phase
        public var needs: [String]
        public var isApproval: Bool
        public var retry: RetryPolicy

        public init(id: String, phase: StepSpec.Phase, needs: [String], isApproval: Bool = false, retry: RetryPolicy = .none) {
            self.id = id
            self.phase = phase
            self.needs = needs
            self.isApproval = isApproval
            self.retry = retry
        }
    }

    /// Nodes in file order, main phase first.
    public var nodes: [Node]
    public var maxParallel: Int
    /// A drill: every step is planned, and a step whose plan failed is "not ready" instead of
    /// failed for the DAG (see ``RunStateMachine``).
    public var isDrill: Bool

    public init(nodes: [Node], maxParallel: Int, isDrill: Bool = false) {
        self.nodes = nodes
        self.maxParallel = max(1, maxParallel)
        self.isDrill = isDrill
    }

    /// The plan of a runbook, for a run in the given mode.
    public init(runbook: Runbook, defaultParallel: Int, isDrill: Bool = false) {
        self.init(nodes: runbook.allSteps.map {
            Node(id: $0.id, phase: $0.phase, needs: $0.needs, isApproval: $0.uses == "core.approval", retry: $0.retry)
        }, maxParallel: runbook.maxParallel ?? defaultParallel, isDrill: isDrill)
    }
}
