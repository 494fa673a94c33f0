import Foundation
import QRunCore

/// The quantum tasks a `aws.braket.cancel-tasks` step is about, found with `SearchQuantumTasks`.
///
/// Braket cannot filter by who created a task: `SearchQuantumTasks` filters only on
/// `quantumTaskArn`, `deviceArn`, `jobArn`, `status` and `createdAt` (API reference,
/// SearchQuantumTasksFilter). The scope is therefore a time window (`created_after`, the moment
/// the credential may have leaked), optionally a device, and optionally tags that the task
/// summaries carry (matched here, on the client side). To tie tasks to one identity use the
/// CloudTrail `CreateQuantumTask` events and pass a tag or a narrower window.
struct AWSBraketTaskSearch: Sendable {
    /// One task summary.
    struct Task: Sendable {
        var arn: String
        var status: String
        var deviceArn: String
        var createdAt: String
        /// `shots` of the summary (nil when absent).
        var shots: Int?
    }

    /// Statuses that can still be cancelled.
    static let active = ["CREATED", "QUEUED", "RUNNING"]
    /// Statuses that mean "cancelled or being cancelled".
    static let cancelled = ["CANCELLING", "CANCELLED"]

    var createdAfter: String?
    var deviceArn: String?
    var tags: [String: String]
    var maxTasks: Int

    /// Reads and checks the scope parameters.
    init(_ call: ActionCall, now: Date = Date()) throws(ActionError) {
        if let t = try call.string("created_after") {
            let ago = DurationParser.parse(t).map { now.addingTimeInterval(-Double($0.components.seconds)) }
            guard let date = ago ?? Timestamp.parse(t) else {
                throw .invalid("parameter 'created_after' must be a UTC time such as 2026-11-25T08:00:00Z, or a duration such as 6h meaning that long before now")
            }
            createdAfter = String(Timestamp.format(date).prefix(19)) + "Z"
        }
        deviceArn = try call.string("device_arn")
        tags = [:]
        if let v = call.params["tags"], !v.isNull {
            guard let o = v.objectValue else { throw .invalid("parameter 'tags' must be a map of tag names to values") }
            for (k, v) in o { tags[k] = v.interpolationText }
        }
        maxTasks = call.params["max_tasks"]?.intValue ?? 500
        guard maxTasks > 0 else { throw .invalid("parameter 'max_tasks' must be a positive whole number") }
        guard createdAfter != nil || deviceArn != nil || !tags.isEmpty else {
            throw .invalid("give at least one of 'created_after', 'device_arn' or 'tags'; Braket cannot tell which identity created a task, so qrun will not cancel every task of the account")
        }
    }

    /// A sentence describing the scope.
    var description: String {
        var parts: [String] = []
        if let createdAfter { parts.append("created at or after \(createdAfter)") }
        if let deviceArn { parts.append("on \(deviceArn)") }
        if !tags.isEmpty { parts.append("tagged " + tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")) }
        return parts.joined(separator: " ")
    }

    /// Tasks in any of `statuses` within the scope (one search per status, every page).
    func find(_ braket: AWSClient, statuses: [String]) async throws(AWSError) -> [Task] {
        var found: [String: Task] = [:]
        for status in statuses {
            var filters: [Value] = [["name": "status", "operator": "EQUAL", "values": [.string(status)]]]
            if let createdAfter { filters.append(["name": "createdAt", "operator": "GTE", "values": [.string(createdAfter)]]) }
            if let deviceArn { filters.append(["name": "deviceArn", "operator": "EQUAL", "values": [.string(deviceArn)]]) }
            var next: String?
            repeat {
                var body: [String: Value] = ["filters": .array(filters), "maxResults": 100]
                if let next { body["nextToken"] = .string(next) }
                let page = try await braket.rest("SearchQuantumTasks", method: "POST", path: "/quantum-tasks", body: .object(body))
                for t in page["quantumTasks"]?.arrayValue ?? [] {
                    guard let arn = t["quantumTaskArn"]?.stringValue else { continue }
                    let taskTags = t["tags"]?.objectValue ?? [:]
                    guard tags.allSatisfy({ taskTags[$0.key]?.stringValue == $0.value }) else { continue }
                    found[arn] = Task(arn: arn, status: t["status"]?.stringValue ?? status,
                                      deviceArn: t["deviceArn"]?.stringValue ?? "", createdAt: t["createdAt"]?.stringValue ?? "",
                                      shots: t["shots"]?.intValue)
                }
                next = page["nextToken"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            } while next != nil
        }
        return found.values.sorted { $0.arn < $1.arn }
    }

    /// The REST path of a task (the ARN is one percent-encoded path label).
    static func path(_ arn: String, _ suffix: String = "") -> String {
        "/quantum-task/" + PercentEncoding.uri(arn) + suffix
    }
}
