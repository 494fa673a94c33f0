import Synchronization

/// How a long-lived owner steers a run it executes: tell it that the store changed (an approval
/// or a cancel request arrived), ask it to stop starting steps (graceful shutdown), or stop it at
/// once (the grace period ran out). A run stopped either way stays open and resumable: what was
/// committed stays, and an attempt in flight is called again under its idempotency key.
public final class RunControl: Sendable {
    /// What the owner asks.
    public enum Signal: Sendable, Equatable {
        /// Look at the store for approvals and cancel requests.
        case storeChanged
        /// Start no new step; return once the steps in flight have ended and been recorded.
        case drain
        /// Return now without recording anything more.
        case abandon
    }

    private struct State {
        var receiver: (@Sendable (Signal) -> Void)?
        var pending: [Signal] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Sends `signal` to the run (kept until the run's loop starts listening).
    public func send(_ signal: Signal) {
        let receiver = state.withLock { s -> (@Sendable (Signal) -> Void)? in
            if s.receiver == nil { s.pending.append(signal) }
            return s.receiver
        }
        receiver?(signal)
    }

    /// The executor's loop listens; signals sent before are delivered now.
    func listen(_ receiver: @escaping @Sendable (Signal) -> Void) {
        let earlier = state.withLock { s -> [Signal] in
            s.receiver = receiver
            defer { s.pending = [] }
            return s.pending
        }
        for signal in earlier { receiver(signal) }
    }

    /// The loop stopped listening.
    func stopListening() {
        state.withLock { $0.receiver = nil }
    }
}
