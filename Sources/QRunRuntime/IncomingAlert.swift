import QRunCore

/// One alert as a trigger carries it: every field is data.
public struct IncomingAlert: Sendable {
    public var status: String
    public var labels: [String: String]
    public var annotations: [String: String]
    /// Alertmanager's fingerprint, or `id:<dedup id>` for the generic endpoint.
    public var fingerprint: String?
    public var startsAt: String?
    public var endsAt: String?
    public var generatorURL: String?

    public init(status: String, labels: [String: String], annotations: [String: String], fingerprint: String? = nil,
                startsAt: String? = nil, endsAt: String? = nil, generatorURL: String? = nil) {
        self.status = status
        self.labels = labels
        self.annotations = annotations
        self.fingerprint = fingerprint
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
    }

    public var isResolved: Bool { status == "resolved" }

    /// What expressions read as `alert.*`.
    public var value: Value {
        var o: [String: Value] = [
            "status": .string(status),
            "labels": .object(labels.mapValues(Value.string)),
            "annotations": .object(annotations.mapValues(Value.string)),
        ]
        o["fingerprint"] = fingerprint.map(Value.string) ?? .null
        o["starts_at"] = startsAt.map(Value.string) ?? .null
        o["ends_at"] = endsAt.map(Value.string) ?? .null
        o["generator_url"] = generatorURL.map(Value.string) ?? .null
        return .object(o)
    }

    /// The identity of this firing across repeats, when the sender gives one.
    public var instance: AlertInstance? {
        fingerprint.map { AlertInstance(fingerprint: $0, startsAt: startsAt ?? "") }
    }
}
