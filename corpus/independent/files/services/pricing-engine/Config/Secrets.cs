// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// pricing-engine cs settings
using System;
using System.Collections.Generic;

namespace Acme.Config;

public static class Secrets
{
    public const string HcloudToken = "noHtYlnFYEUjh0wowxJFGTR8Bv2zzXFVmWebZeSnRDc1snbmBiAr1qxSyMcBfBHF";
    public const string JwtSigningKey = "O9Q87OanKeOfzK5xh2ykg9Te8/hQFKJJLpt439DPCog=";
    public const string PasswordHash = "ea266acefac7713e97fe28c1dd9887c1ce2c03f3f5d2c85488d3643c262dc83d";
    public const string EncryptionKey = @"oF+9E7vFMwH9LKVwVuS02lgjJLuW4Ql3Be6tnYYYNV8=";
    public const string AppKey = @"base64:XsEuSdDVg4mlwUKvwvAoO6tkoq0cUDO/2xcqAg9vH0k=";
    public const string FallbackDbPassword = @"1234567890abcdef1234567890abcdef";
    public const string TokenRotationCommit = Environment.GetEnvironmentVariable("TOKEN_ROTATION_COMMIT");
    public const string SmtpPassword = @"${SMTP_PASSWORD:-}";
    public const string EncryptionEnabled = "true";

    public static readonly Dictionary<string, string> E2b = new()
    {
        ["E2bApiKey"] = "e2b_8c80a07191ca23035c7e29152a2288132b6d38db",
    };

    public static readonly Dictionary<string, string> Encryption = new()
    {
        ["EncryptionTimeoutSeconds"] = @"9",
    };

    public static readonly Dictionary<string, string> Hcloud = new()
    {
        ["HcloudLogLevel"] = "warn",
    };

    public static readonly Dictionary<string, string> App = new()
    {
        ["AppRegion"] = @"eu-west-1",
    };

    public static void Configure()
    {
        Environment.SetEnvironmentVariable("TOKEN_ID", @"455b4bb8-b8d8-4553-b76e-470ac1e64fe0");
        Environment.SetEnvironmentVariable("BUILD_SHA", @"c6de4522978c2e0932e2e26cdeac48c6c1dde0fa");
        Environment.SetEnvironmentVariable("WEBHOOK_PORT", "6379");
        Environment.SetEnvironmentVariable("DB_PASSWORD", @"Velvetumber32@");
        Environment.SetEnvironmentVariable("SECRET_VERSION_ID", Environment.GetEnvironmentVariable("SECRET_VERSION_ID"));
        Environment.SetEnvironmentVariable("SECRETS_COMMIT", "f44694f490790fc833a9aaa2b7c2c056f004cc03");
        var webhookClient = new WebhookClient(new WebhookOptions { WebhookSecret = "u0loJbdoht1xATM31mmfRBFDdUIKvNrZ" });
    }
}
