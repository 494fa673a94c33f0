import QRunCore
import QRunRuntime

extension RunLauncher {
    /// Executes (or resumes) a simulated drill: the real engine with simulated actions, its
    /// approvals answered as its trigger recorded (see ``SimulatedApprovals``).
    func simulate(run: RunRecord, runbook: Runbook, returnWhenWaiting: Bool) async throws -> ExitStatus {
        let setup = SimulationSetup(trigger: run.trigger)
        let ws = workspace
        let outcome = try await setup.approvals.execute(
            runID: run.id, runbook: runbook, database: try ws.database(),
            make: { try ws.simulationExecutor(runbook: runbook, faults: setup.faults, observer: $0, returnWhenWaiting: returnWhenWaiting) },
            observer: observer())
        return try finish(runID: outcome.runID)
    }
}
