using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Cli.Tests.Webhooks;

public sealed class WebhookSigningCommandTests
{
    // The Standard Webhooks specification's example.
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const string Timestamp = "1614265330";
    private const string Signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");

    private static CliRun Cli(byte[] input, TimeProvider? time = null) => new(Path.GetTempPath()) { Input = input, Time = time };

    [Fact]
    public async Task Sign_SpecificationExample_PrintsSignature()
    {
        var result = await Cli(Body).RunAsync("webhooks", "sign", "--secret", Secret, "--id", Id, "--timestamp", Timestamp);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Signature, result.Output.TrimEnd('\n', '\r'));
    }

    [Fact]
    public async Task Verify_SpecificationExampleWithNow_PrintsValid()
    {
        var result = await Cli(Body).RunAsync("webhooks", "verify", "--secret", Secret, "--id", Id, "--timestamp", Timestamp, "--signature", "v1,bm90IGl0 " + Signature, "--now", "1614265400");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("valid", result.Output.Trim());
    }

    [Fact]
    public async Task Verify_WithoutNow_UsesClock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1614265330 + 3600));

        var result = await Cli(Body, clock).RunAsync("webhooks", "verify", "--secret", Secret, "--id", Id, "--timestamp", Timestamp, "--signature", Signature);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("timestamp too old", result.Output.Trim());
    }

    [Theory]
    [InlineData("1614265000", "timestamp too new")]
    [InlineData("1614265700", "timestamp too old")]
    public async Task Verify_NowOutsideTolerance_PrintsWhich(string now, string expected)
    {
        var result = await Cli(Body).RunAsync("webhooks", "verify", "--secret", Secret, "--id", Id, "--timestamp", Timestamp, "--signature", Signature, "--now", now);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(expected, result.Output.Trim());
    }

    [Fact]
    public async Task Verify_BodyWithTrailingNewline_InvalidSignature()
    {
        var result = await Cli([.. Body, (byte)'\n']).RunAsync("webhooks", "verify", "--secret", Secret, "--id", Id, "--timestamp", Timestamp, "--signature", Signature, "--now", Timestamp);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("invalid signature", result.Output.Trim());
    }

    [Theory]
    [InlineData("whsec_!!", Signature)]
    [InlineData(Secret, "garbage")]
    public async Task Verify_Unreadable_PrintsMalformed(string secret, string signature)
    {
        var result = await Cli(Body).RunAsync("webhooks", "verify", "--secret", secret, "--id", Id, "--timestamp", Timestamp, "--signature", signature, "--now", Timestamp);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("malformed", result.Output.Trim());
    }

    [Fact]
    public async Task Verify_SecretWithoutPrefixOrPadding_Valid()
    {
        var result = await Cli(Body).RunAsync("webhooks", "verify", "--secret", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--id", Id, "--timestamp", Timestamp, "--signature", Signature, "--now", Timestamp);
        Assert.Equal("valid", result.Output.Trim());
    }

    [Fact]
    public async Task Sign_ThenVerify_RoundTrips()
    {
        var body = Encoding.UTF8.GetBytes("{\"type\":\"fabrix.canonical.v1.UserCreated\"}\n");
        var signed = await Cli(body).RunAsync("webhooks", "sign", "--secret", Secret, "--id", "msg_2", "--timestamp", "1700000000");

        var verified = await Cli(body).RunAsync("webhooks", "verify", "--secret", Secret, "--id", "msg_2", "--timestamp", "1700000000", "--signature", signed.Output.Trim(), "--now", "1700000100");

        Assert.Equal("valid", verified.Output.Trim());
    }

    [Theory]
    [InlineData("--secret", "nope!", "--timestamp", "1614265330")]
    [InlineData("--secret", Secret, "--timestamp", "yesterday")]
    public async Task Sign_BadArguments_UsageError(string secretOption, string secret, string timestampOption, string timestamp)
    {
        var result = await Cli(Body).RunAsync("webhooks", "sign", secretOption, secret, "--id", Id, timestampOption, timestamp);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("999999999999999999")]
    public async Task Verify_NowNotUnixSecondsOfADate_UsageError(string now)
    {
        var result = await Cli(Body).RunAsync("webhooks", "verify", "--secret", Secret, "--id", Id, "--timestamp", Timestamp, "--signature", Signature, "--now", now);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Verify_TimestampAfterTheYear9999_TimestampTooNew()
    {
        var result = await Cli(Body).RunAsync("webhooks", "verify", "--secret", Secret, "--id", Id, "--timestamp", "999999999999999999", "--signature", Signature, "--now", Timestamp);

        Assert.Equal((1, "timestamp too new"), (result.ExitCode, result.Output.Trim()));
    }

    [Fact]
    public async Task Verify_MissingSignatureOption_UsageError()
    {
        var result = await Cli(Body).RunAsync("webhooks", "verify", "--secret", Secret, "--id", Id, "--timestamp", Timestamp);
        Assert.Equal(2, result.ExitCode);
    }
}
