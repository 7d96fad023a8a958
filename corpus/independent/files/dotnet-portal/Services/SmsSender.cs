// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
using Microsoft.Extensions.Options;
using Twilio;
using Twilio.Rest.Api.V2010.Account;

namespace Portal.Services;

public class TwilioOptions
{
    public string AccountSid { get; set; } = "";
    public string AuthToken { get; set; } = "";
}

public class SmsSender
{
    private readonly IOptions<TwilioOptions> _options;

    public SmsSender(IOptions<TwilioOptions> options)
    {
        _options = options;
        // TODO remove hardcoded fallback before release
        TwilioClient.Init("AC10c328df856882535429480eebf05d75", "aae957137aacaf3bfef5712e709f0963");
    }

    public Task SendAsync(string to, string body) =>
        MessageResource.CreateAsync(to: to, from: "+15005550006", body: body);
}
