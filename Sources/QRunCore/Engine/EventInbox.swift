import Synchronization

/// A mailbox the executor's loop drains in batches: step tasks, timers and the poller post into
/// it; the loop takes everything that arrived since it last looked, which is what lets steps that
/// finish together share one commit.
final class EventInbox<Event: Sendable>: Sendable {
    private struct State {
        var events: [Event] = []
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func post(_ event: Event) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.events.append(event)
            let w = s.waiter
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    /// Everything posted so far; waits when there is nothing yet.
    func takeAll() async -> [Event] {
        while true {
            let taken = state.withLock { s -> [Event] in
                let e = s.events
                s.events = []
                return e
            }
            if !taken.isEmpty { return taken }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if !s.events.isEmpty { return true }
                    s.waiter = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
    }
}
