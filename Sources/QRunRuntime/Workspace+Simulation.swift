import Foundation
import QRunActions
import QRunCore

extension Workspace {
    /// An executor for a simulated drill of `runbook`: the real engine with every action replaced
    /// by a ``SimulatedAction``, a secret resolver with no source (a simulation resolves no secret
    /// and so calls no secret store), and a ``SimulationClock``.
    public func simulationExecutor(runbook: Runbook, faults: [String: SimulationFault], observer: RunObserver, returnWhenWaiting: Bool = false,
                                   speed: Int = SimulationClock.defaultSpeed) throws -> RunExecutor {
        let clock = SimulationClock(speed: speed)
        var config = ExecutorConfiguration()
        config.actor = actor
        config.returnWhenWaiting = returnWhenWaiting
        config.environment = environment
        config.secretReferences = []
        config.clock = clock
        config.simulates = true
        // Simulated approvals are recorded in the store like a person's; look for them often.
        config.pollInterval = .milliseconds(20)
        if let p = self.config.maxParallel { config.defaultParallel = p }
        let registry = SimulatedRegistry.make(from: self.registry, runbook: runbook, faults: faults, clock: clock)
        return RunExecutor(database: try database(), stateDirectory: state, registry: registry,
                           secrets: SecretResolver(sources: [], redactor: redactor), redactor: redactor,
                           configuration: config, observer: observer)
    }
}
