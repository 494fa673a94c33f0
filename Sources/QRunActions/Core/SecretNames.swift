/// Recognises environment variable names that conventionally hold credentials.
public enum SecretNames {
    static let markers = ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL", "ACCESS_KEY", "SESSION_KEY", "WEBHOOK"]

    /// Whether `name` looks like it holds a credential (`QISKIT_IBM_TOKEN`, `AWS_SECRET_ACCESS_KEY`, …).
    public static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return markers.contains { upper.contains($0) }
    }
}
