import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// Settings resolution (standard AWS variables, config precedence) and error classification.
@Suite
struct AWSConfigurationTests {
    @Test func endpointsFollowTheStandardVariables() throws {
        let bare = AWSConfiguration(settings: ProviderSettings(environment: ["AWS_REGION": "eu-west-2"]))
        #expect(bare.region == "eu-west-2")
        #expect(try bare.endpoint(.braket).absoluteString == "https://braket.eu-west-2.amazonaws.com")
        #expect(try bare.endpoint(.secretsManager).absoluteString == "https://secretsmanager.eu-west-2.amazonaws.com")
        #expect(try bare.endpoint(.iam).absoluteString == "https://iam.amazonaws.com")
        #expect(AWSService.iam.signingRegion(region: "eu-west-2") == "us-east-1")
        #expect(AWSConfiguration(settings: ProviderSettings(environment: [:])).region == "us-east-1")

        let env = ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:6000",
                   "AWS_DEFAULT_REGION": "ap-south-1"]
        let c = AWSConfiguration(settings: ProviderSettings(environment: env))
        #expect(c.region == "ap-south-1")
        #expect(try c.endpoint(.iam).absoluteString == "http://127.0.0.1:5000")
        #expect(try c.endpoint(.secretsManager).absoluteString == "http://127.0.0.1:6000")
        let configured = AWSConfiguration(settings: ProviderSettings(config: ["aws": ["endpoint_url_braket": "http://127.0.0.1:7000", "region": "us-west-2"]],
                                                                     environment: env))
        #expect(try configured.endpoint(.braket).absoluteString == "http://127.0.0.1:7000", "config wins over the variables")
        #expect(configured.region == "us-west-2")
        let bad = AWSConfiguration(settings: ProviderSettings(environment: ["AWS_ENDPOINT_URL_STS": "ftp://x"]))
        #expect(throws: ActionError.self) { try bad.endpoint(.sts) }
    }

    @Test func credentialsComeThroughReferencesAndAreMasked() async throws {
        let redactor = Redactor()
        let env = ["MY_ID": "AKIAEXAMPLEEXAMPLE01", "MY_SECRET": "cfg-secret-value-123", "AWS_SESSION_TOKEN": "session-token-value-456"]
        let c = AWSConfiguration(settings: ProviderSettings(config: ["aws": ["access_key_id": "secret:env:MY_ID", "secret_access_key": "secret:env:MY_SECRET"]],
                                                            environment: env))
        let creds = try await c.credentials(for: AWSTest.call([:], env: env, redactor: redactor))
        #expect(creds.accessKeyID == "AKIAEXAMPLEEXAMPLE01")
        #expect(creds.secretAccessKey == "cfg-secret-value-123")
        #expect(creds.sessionToken == "session-token-value-456")
        #expect(redactor.redact("a cfg-secret-value-123 b session-token-value-456") == "a [REDACTED] b [REDACTED]")
    }

    @Test func errorsSayWhetherARetryMayHelp() {
        func err(_ status: Int, _ code: String) -> AWSError {
            AWSError(service: "IAM", operation: "Op", status: status, code: code, message: "m", retryAfter: nil)
        }
        #expect(err(503, "ServiceUnavailable").retryable)
        #expect(err(500, "InternalFailure").retryable)
        #expect(err(429, "TooManyRequestsException").retryable)
        #expect(err(400, "Throttling").retryable, "IAM throttles with HTTP 400")
        #expect(!err(403, "AccessDenied").retryable)
        #expect(!err(404, "NoSuchEntity").retryable)
        #expect(!err(400, "ValidationError").retryable)
        #expect(err(403, "InvalidClientTokenId").actionError.message == "IAM Op failed: InvalidClientTokenId (HTTP 403): m — AWS refused qrun's credentials; check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or providers.aws.access_key_id / secret_access_key) and the clock")
    }

    @Test func parsesQueryAndJSONErrorBodies() {
        let client = AWSClient(service: .iam, transport: CurlTransport(), endpoint: URL(string: "http://127.0.0.1:1")!,
                               signer: SigV4Signer(credentials: AWSCredentials(accessKeyID: "A", secretAccessKey: "B"), region: "us-east-1", service: "iam"),
                               now: { Date() })
        let xml = #"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name x cannot be found.</Message></Error><RequestId>1</RequestId></ErrorResponse>"#
        let a = client.parseError("GetUser", HTTPResponse(status: 404, headers: [:], body: Data(xml.utf8)))
        #expect(a.code == "NoSuchEntity" && a.message == "The user with name x cannot be found." && !a.retryable)
        let json = #"{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","message":"not found"}"#
        let b = client.parseError("DescribeSecret", HTTPResponse(status: 400, headers: [:], body: Data(json.utf8)))
        #expect(b.code == "ResourceNotFoundException" && b.message == "not found")
        let rest = client.parseError("CancelQuantumTask", HTTPResponse(status: 409, headers: ["x-amzn-errortype": "ConflictException:http://internal.amazon.com/coral/"],
                                                                       body: Data(#"{"message":"busy"}"#.utf8)))
        #expect(rest.code == "ConflictException" && rest.message == "busy")
        let throttled = client.parseError("X", HTTPResponse(status: 429, headers: ["retry-after": "3"], body: Data()))
        #expect(throttled.retryable && throttled.retryAfter == .seconds(3) && throttled.code == "HTTP429")
    }
}
