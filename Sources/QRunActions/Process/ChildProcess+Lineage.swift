extension ChildProcess {
    /// Runs the child of a step: waits until no other child of the step runs in this process
    /// (``StepGate``), stops what earlier attempts left running (``OrphanReaper``), and only then
    /// spawns. The gate is held until the child is reaped.
    static func runExclusively(_ path: String, _ request: ChildProcessRequest, key: String) async throws(ChildProcessError) -> ChildResult {
        try await StepGate.acquire(key, executable: request.executable)
        defer { StepGate.release(key) }
        let stopped = try await OrphanReaper(grace: request.terminationGrace).stopPrevious(key: key)
        var result = try await supervise(path, request)
        result.previousAttemptPids = stopped
        return result
    }
}
