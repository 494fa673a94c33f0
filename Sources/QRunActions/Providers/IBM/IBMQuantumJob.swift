import Foundation
import QRunCore

/// The fields of a Qiskit Runtime job (JobResponse) qrun reads from `GET /v1/jobs`.
public struct IBMQuantumJob: Sendable, Equatable {
    /// `id`.
    public var id: String
    /// `status` (or `state.status`): Queued, Running, Completed, Cancelled, Cancelled - Ran too long, Failed.
    public var status: String
    /// `backend`.
    public var backend: String?
    /// `created` (UTC timestamp as IBM gives it).
    public var created: String?
    /// `cost`: the estimated running time in seconds IBM accepted for the job (nil when absent).
    public var cost: Int?

    /// Parses one job; nil without an `id`.
    public init?(json: Value) {
        guard let id = json["id"]?.stringValue, !id.isEmpty else { return nil }
        self.id = id
        status = json["state"]?["status"]?.stringValue ?? json["status"]?.stringValue ?? "unknown"
        backend = json["backend"]?.stringValue
        created = json["created"]?.stringValue
        cost = json["cost"]?.intValue
    }

    /// Whether the job is still waiting or running (the states `pending=true` selects).
    public var isPending: Bool { status == "Queued" || status == "Running" }
}
