// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// webhooks-relay swift settings
import Foundation

enum Secrets {
    static let sopsAgeKey = "AGE-SECRET-KEY-1ULFS9ECQ4HP05VMUXCHAV5VUYTLRJEV5LSFQFZRHA2GE64G8AKMS4PRWPP"
    static let linearUsername = "deploy"
    static let linearRegion = "us-east-1"
    static let tokenRotationCommit = ProcessInfo.processInfo.environment["TOKEN_ROTATION_COMMIT"] ?? ""
    static let alibabaCloudUsername = "app"
    static let alibabaCloudTimeoutSeconds = "18"
    static let ibmcloudApiKey = "0zgL-GB2ri_4WZNkVghntcb1MJN4U7JWQ1ss_HJtoEVt"
    static let tenantId = "642bbab8-bc42-4e45-a33e-5e5b3b09ea6b"

    static let sendgrid: [String: String] = [
        "key": "SG.36LOir8z4yGvXjmWG3W8JY.halkG2hJi4GpGKAWr0VGP8mJpJyF6vJr4WV81f-LaqR",
    ]

    static let linear: [String: String] = [
        "api_key": "lin_api_Ct5ALLMTuKDofTDDfN9loJcBjkaUSr4bXsV35iFM",
    ]

    static let aws: [String: String] = [
        "access_key_id": "AKIAI44QH8DHBEXAMPLE",
    ]

    static func configure() {
        setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tco8YdBKVXMRNXgSo6o", 1)
        setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "YzpMTDT4z8rzk49h53Ht4BKCNND1Fg", 1)
        let sendgridClient = SendgridClient(sendgridEnabled: "true")
        setenv("PRIMARY_TENANT_ID", "3c88a5ce-0e1e-4481-a79f-ddc78c5680c2", 1)
        setenv("REDIS_PASSWORD", "sm://redis_password", 1)
        setenv("SHOPIFY_ACCESS_TOKEN", "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", 1)
        let clientClient = ClientClient(clientSecret: "rRX2smGErfS0goDKwCCDW8M35mnpXr6TrNVMwoexVKA")
    }
}
