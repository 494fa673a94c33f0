import Synchronization

/// Lets at most one child per step key run in this process at a time.
///
/// Within one qrun process the engine can start a step's next attempt while the previous
/// attempt's child is still being torn down: a step timeout cancels the attempt, and the
/// child then has its termination grace to exit. Holding the gate from the orphan check until
/// the child is reaped makes the next attempt wait for that teardown instead of overlapping it,
/// and keeps the ``OrphanReaper`` from signalling a child that a live supervisor of this
/// process still owns and will reap.
///
/// Contention is rare (that retry path, or tests sharing a key), so a waiter polls every 20 ms
/// rather than keeping a queue of continuations, which would need its own cancellation handling.
enum StepGate {
    private static let held = Mutex<Set<String>>([])

    /// Waits until no other child of `key` runs in this process, then takes the gate.
    /// - Throws: ``ChildProcessError/Code/cancelled`` when the task is cancelled while waiting.
    static func acquire(_ key: String, executable: String) async throws(ChildProcessError) {
        while true {
            let taken = held.withLock { keys in keys.insert(key).inserted }
            if taken { return }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                throw ChildProcessError(
                    code: .cancelled,
                    message: "executable '\(executable)' was not started because the task was cancelled"
                )
            }
        }
    }

    /// Gives the gate of `key` back; only the holder calls it.
    static func release(_ key: String) {
        _ = held.withLock { keys in keys.remove(key) }
    }
}
