// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// invoice-svc swift settings
import Foundation

enum Secrets {
    static let serpapiApiKey = "c1f9ae530ecda7527da4ca7d1a68c1abdd4208e92b5d11dd1108af59e64945cd"
    static let tokenRotationCommit = ProcessInfo.processInfo.environment["TOKEN_ROTATION_COMMIT"] ?? ""
    static let recaptchaRetries = "4"
    static let pipIndexUrl = "https://app:kSZmQJK8+n-B+8R17BmkQ@nexus.corp.example/repository/pypi-internal/simple"
    static let slackUserToken = "xoxp-539628639227-037223714675-9317045536303-7685f2d974f6356de7b198508184094a"
    static let adminBucket = "acme-invoice-svc-artifacts"
    static let webhookSecret = "..."
    static let pipPort = "6379"
    static let fallbackPasswordFile = "/run/secrets/db_password"
    static let keyId = "d39ade77-26e6-44d9-944c-bd546e61ae0e"
    static let adminRetries = "4"
    static let adminPassword = "jK!7qj#+nFbO-2@hFn2iCu"
    static let secretKeyBase = "7ead2aa2bb97d97afbe34c283573ec9b7acfd7e256c1f58c41473885d5e6e5571078650e569c6db2f7fb765642014d67809f9ea152207164750d30c62811e171"
    static let artifactoryRetries = "3"

    static let api: [String: String] = [
        "key_id": ProcessInfo.processInfo.environment["API_KEY_ID"] ?? "",
    ]

    static let app: [String: String] = [
        "token_endpoint": ProcessInfo.processInfo.environment["TOKEN_ENDPOINT"] ?? "",
        "password_file": ProcessInfo.processInfo.environment["PASSWORD_FILE"] ?? "",
    ]

    static let slack: [String: String] = [
        "host": "invoice-svc.internal.acme.io",
    ]

    static func configure() {
        let artifactoryClient = ArtifactoryClient(artifactoryToken: "cmVmdGtuOjAxOjDTVnZxCDz20R4qCtyVK1mJdn1md8IPPEGFKfYapftCeFwgwiBD")
        let apiClient = ApiClient(apiKeyHash: ProcessInfo.processInfo.environment["API_KEY_HASH"] ?? "")
        setenv("ARTIFACTORY_LOG_LEVEL", "info", 1)
        setenv("RECAPTCHA_HOST", "invoice-svc.internal.acme.io", 1)
        setenv("RECAPTCHA_SECRET_KEY", "6LNfcOdmiuqfV8dwR_FItMmXLasEj3XzsShkhl6F", 1)
        setenv("SECRET_KEY_LOG_LEVEL", "warn", 1)
        let slackClient = SlackClient(slackFromEmail: "noreply@acme.io")
    }
}
