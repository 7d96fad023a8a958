// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// geo-service cs settings
using System;
using System.Collections.Generic;

namespace Acme.Config;

public static class Secrets
{
    public const string KeyId = @"f254e8cd-649e-4834-b469-19ad2131c193";
    public const string CosHmacAccessKeyId = "0827792e96611bb0453d53d0ec27b136";
    public const string FlutterwaveSecretKey = "FLWSECK-182a430f96180b2cb781dd8d055791fd-X";
    public const string FlutterwavePoolSize = @"9";
    public const string TwilioLegacyAuthToken = "ref+awssm://prod/app#/twilio_auth_token";
    public const string MongoPoolSize = "5";
    public const string Credentials = "MeIFCZJ9DqtDuYtlXDmchkP2FOLJeTGp";
    public const string TwilioAuthToken = "be9866511904c12685c5b6d9943bd933";
    public const string AdminPassword = "x-_qk#k@i4FNAl";

    public static readonly Dictionary<string, string> Mongo = new()
    {
        ["MongoUsername"] = "svc_geo_service",
    };

    public static readonly Dictionary<string, string> CosHmac = new()
    {
        ["CosHmacSecretAccessKey"] = @"34b2138ee7f59baf94aa29ad3d980ccf9154997f08d162c0",
    };

    public static readonly Dictionary<string, string> App = new()
    {
        ["SecretsCommit"] = Environment.GetEnvironmentVariable("SECRETS_COMMIT"),
    };

    public static readonly Dictionary<string, string> Token = new()
    {
        ["TokenRotationCommit"] = configuration["Token:TokenRotationCommit"],
    };

    public static void Configure()
    {
        Environment.SetEnvironmentVariable("WEAVIATE_HOST", "geo-service.internal.acme.io");
        Environment.SetEnvironmentVariable("WEAVIATE_API_KEY", @"6CBPJVseJHSisO9Ju13cFwyJfcvwANSuBalG9hSS");
        var mongoClient = new MongoClient(new MongoOptions { MongoUri = @"mongodb+srv://svc_billing:Ghgqt1*Wd;szr%5B8@cluster0.5aevb.mongodb.net/crm?retryWrites=true&w=majority" });
        Environment.SetEnvironmentVariable("TOKEN_URL", configuration["Token:TokenUrl"]);
        Environment.SetEnvironmentVariable("TOKEN_SHA256", "$2b$12$WwzJq29.a1.X1e0eKPW0A3dPFCnlcQKUUYJtCU/6kcLEgFALqkE6S");
        var weaviateClient = new WeaviateClient(new WeaviateOptions { WeaviateTimeoutSeconds = @"16" });
    }
}
