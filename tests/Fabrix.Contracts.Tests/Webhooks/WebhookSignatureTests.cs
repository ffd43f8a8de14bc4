using System.Text;
using Fabrix.Contracts.Webhooks;

namespace Fabrix.Contracts.Tests.Webhooks;

public sealed class WebhookSignatureTests
{
    // The Standard Webhooks specification's own example (https://www.standardwebhooks.com, "Signature scheme").
    private const string SpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long SpecTimestamp = 1614265330;
    private const string SpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static readonly byte[] SpecBody = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");
    private static readonly DateTimeOffset SpecNow = DateTimeOffset.FromUnixTimeSeconds(SpecTimestamp);

    private static byte[] Key(string secret)
    {
        Assert.True(WebhookSecret.TryParse(secret, out var key));
        return key;
    }

    [Fact]
    public void Sign_SpecificationExample_MatchesPublishedSignature() =>
        Assert.Equal(SpecSignature, WebhookSignature.Sign(Key(SpecSecret), SpecId, SpecTimestamp, SpecBody));

    [Fact]
    public void Verify_SpecificationExample_Valid() =>
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(Key(SpecSecret), SpecId, "1614265330", SpecSignature, SpecBody, SpecNow));

    [Theory]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    public void TryParse_WithOrWithoutPrefix_SameKey(string secret) => Assert.Equal(Key(SpecSecret), Key(secret));

    [Fact]
    public void TryParse_MissingPadding_Accepted()
    {
        var key = new byte[25];
        Random.Shared.NextBytes(key);
        var unpadded = "whsec_" + Convert.ToBase64String(key).TrimEnd('=');

        Assert.Equal(key, Key(unpadded));
    }

    [Theory]
    [InlineData("")]
    [InlineData("whsec_")]
    [InlineData("whsec_not base64!")]
    [InlineData("whsec_a")]
    public void TryParse_BadSecret_False(string secret) => Assert.False(WebhookSecret.TryParse(secret, out _));

    [Fact]
    public void Generate_NewSecret_PrefixedAndWithinBounds()
    {
        var secret = WebhookSecret.Generate();

        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.InRange(Key(secret).Length, 24, 64);
        Assert.NotEqual(secret, WebhookSecret.Generate());
    }

    [Fact]
    public void Verify_RotationWithTwoSignatures_EitherSecretPasses()
    {
        var oldKey = Key(WebhookSecret.Generate());
        var newKey = Key(WebhookSecret.Generate());
        var header = WebhookSignature.SignAll([oldKey, newKey], "msg_1", SpecTimestamp, SpecBody);

        Assert.Equal(2, header.Split(' ').Length);
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(oldKey, "msg_1", "1614265330", header, SpecBody, SpecNow));
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(newKey, "msg_1", "1614265330", header, SpecBody, SpecNow));
        Assert.Equal(WebhookVerification.InvalidSignature, WebhookSignature.Verify(Key(WebhookSecret.Generate()), "msg_1", "1614265330", header, SpecBody, SpecNow));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(6)]
    public void SignAll_Keys_IsEachSignatureSpaceSeparated(int count)
    {
        var keys = Enumerable.Range(0, count).Select(_ => Key(WebhookSecret.Generate())).ToArray();

        var header = WebhookSignature.SignAll(keys, SpecId, SpecTimestamp, SpecBody);

        Assert.Equal(string.Join(' ', keys.Select(k => WebhookSignature.Sign(k, SpecId, SpecTimestamp, SpecBody))), header);
    }

    [Fact]
    public void Verify_OtherVersionEntries_Ignored()
    {
        var header = "v2,abc= v1a,xyz " + SpecSignature;
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(Key(SpecSecret), SpecId, "1614265330", header, SpecBody, SpecNow));
    }

    [Fact]
    public void Verify_OnlyOtherVersions_InvalidSignature() =>
        Assert.Equal(WebhookVerification.InvalidSignature, WebhookSignature.Verify(Key(SpecSecret), SpecId, "1614265330", "v2," + SpecSignature[3..], SpecBody, SpecNow));

    [Theory]
    [InlineData("msg_other", "1614265330", "{\"test\": 2432232314}")]
    [InlineData(SpecId, "1614265330", "{\"test\": 2432232315}")]
    [InlineData(SpecId, "1614265331", "{\"test\": 2432232314}")]
    public void Verify_AnyPartChanged_InvalidSignature(string id, string timestamp, string body) =>
        Assert.Equal(WebhookVerification.InvalidSignature, WebhookSignature.Verify(Key(SpecSecret), id, timestamp, SpecSignature, Encoding.UTF8.GetBytes(body), SpecNow));

    [Theory]
    [InlineData(-301, WebhookVerification.TimestampTooNew)]
    [InlineData(-300, WebhookVerification.Valid)]
    [InlineData(300, WebhookVerification.Valid)]
    [InlineData(301, WebhookVerification.TimestampTooOld)]
    public void Verify_TimestampAgainstNow_FiveMinutesEitherWay(int nowOffsetSeconds, WebhookVerification expected) =>
        Assert.Equal(expected, WebhookSignature.Verify(Key(SpecSecret), SpecId, "1614265330", SpecSignature, SpecBody, SpecNow.AddSeconds(nowOffsetSeconds)));

    [Theory]
    [InlineData("253402300800")]
    [InlineData("999999999999999999")]
    public void Verify_TimestampAfterTheYear9999_TooNewNotAnException(string timestamp) =>
        Assert.Equal(WebhookVerification.TimestampTooNew, WebhookSignature.Verify(Key(SpecSecret), SpecId, timestamp, SpecSignature, SpecBody, SpecNow));

    [Theory]
    [InlineData(SpecId, "", SpecSignature)]
    [InlineData(SpecId, "16142653x0", SpecSignature)]
    [InlineData(SpecId, "-1614265330", SpecSignature)]
    [InlineData(SpecId, "1614265330", "")]
    [InlineData(SpecId, "1614265330", "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    [InlineData("", "1614265330", SpecSignature)]
    public void Verify_UnreadableInput_Malformed(string id, string timestamp, string signature) =>
        Assert.Equal(WebhookVerification.Malformed, WebhookSignature.Verify(Key(SpecSecret), id, timestamp, signature, SpecBody, SpecNow));

    [Fact]
    public void Verify_V1EntryNotBase64_InvalidSignature() =>
        Assert.Equal(WebhookVerification.InvalidSignature, WebhookSignature.Verify(Key(SpecSecret), SpecId, "1614265330", "v1,!!!notbase64", SpecBody, SpecNow));
}
