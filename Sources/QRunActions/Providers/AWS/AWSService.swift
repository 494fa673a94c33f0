import Foundation

/// The AWS services qrun calls, with what each needs for endpoints and signing.
public enum AWSService: String, Sendable, CaseIterable {
    case iam, secretsManager, braket, sts

    /// Name for people and errors.
    public var displayName: String {
        switch self {
        case .iam: "IAM"
        case .secretsManager: "Secrets Manager"
        case .braket: "Braket"
        case .sts: "STS"
        }
    }

    /// The SigV4 signing name (the credential scope's service part).
    public var signingName: String {
        switch self {
        case .iam: "iam"
        case .secretsManager: "secretsmanager"
        case .braket: "braket"
        case .sts: "sts"
        }
    }

    /// The suffix of the standard `AWS_ENDPOINT_URL_<SERVICE>` variable (the service ID upper-cased,
    /// spaces as underscores, as the AWS SDKs define it).
    public var environmentSuffix: String {
        switch self {
        case .iam: "IAM"
        case .secretsManager: "SECRETS_MANAGER"
        case .braket: "BRAKET"
        case .sts: "STS"
        }
    }

    /// The key of a per-service endpoint in `providers.aws` (`endpoint_url_secrets_manager`).
    public var configKey: String { "endpoint_url_" + environmentSuffix.lowercased() }

    /// The public endpoint in `region`. IAM is global: one endpoint per partition.
    public func defaultEndpoint(region: String) -> String {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        switch self {
        case .iam:
            if region.hasPrefix("cn-") { return "https://iam.cn-north-1.amazonaws.com.cn" }
            if region.hasPrefix("us-gov-") { return "https://iam.us-gov.amazonaws.com" }
            return "https://iam.amazonaws.com"
        case .secretsManager: return "https://secretsmanager.\(region).\(suffix)"
        case .braket: return "https://braket.\(region).\(suffix)"
        case .sts: return "https://sts.\(region).\(suffix)"
        }
    }

    /// The region requests are signed for. IAM signs with its partition's home region.
    public func signingRegion(region: String) -> String {
        guard self == .iam else { return region }
        if region.hasPrefix("cn-") { return "cn-north-1" }
        if region.hasPrefix("us-gov-") { return "us-gov-west-1" }
        return "us-east-1"
    }
}
