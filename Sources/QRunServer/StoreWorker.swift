import Dispatch

/// Runs store calls (SQLite writes that wait for fsync) on one thread of their own, so that they
/// never block the HTTP event loops or the cooperative pool.
final class StoreWorker: Sendable {
    private let queue = DispatchQueue(label: "qrun.serve.store")

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
            queue.async {
                do { c.resume(returning: try body()) } catch { c.resume(throwing: error) }
            }
        }
    }
}
