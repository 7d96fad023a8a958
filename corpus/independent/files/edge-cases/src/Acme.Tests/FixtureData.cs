// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
namespace Acme.Tests;

public static class FixtureData
{
    public const string MailgunJson = @"{""smtpLogin"": ""postmaster@mg.acme.io"", ""smtpPassword"": ""Vortexripple69@""}";
}
