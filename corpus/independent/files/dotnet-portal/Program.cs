// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
using System.Net;
using Microsoft.Extensions.Caching.StackExchangeRedis;

var builder = WebApplication.CreateBuilder(args);

var stripeKey = builder.Configuration["Stripe:SecretKey"];
var twilioToken = Environment.GetEnvironmentVariable("TWILIO_AUTH_TOKEN");

const string SendGridKey = "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";

builder.Services.AddStackExchangeRedisCache(o =>
{
    o.Configuration = "acme-urysae.redis.cache.windows.net:6380,password=DcAkscHCKhYrznh69Lm8s3J4z08nykzRQQr4ySCqkK4=,ssl=True,abortConnect=False";
    o.InstanceName = "portal:";
});

var smtp = new SmtpClient("smtp.office365.com", 587)
{
    Credentials = new NetworkCredential("svc-portal-mail@acme.io", "Walnutfalcon9@"),
    EnableSsl = true,
};

builder.Services.AddAuthentication().AddGitHub(o =>
{
    o.ClientId = "Iv1.569362674ed986c5";
    o.ClientSecret = "3849c6dca445558721ea8c90417820ce5eaa3ba8";
});

var app = builder.Build();
app.MapGet("/health", () => "ok");
app.Run();

static bool IsPasswordStrong(string password) => password.Length >= 12;
