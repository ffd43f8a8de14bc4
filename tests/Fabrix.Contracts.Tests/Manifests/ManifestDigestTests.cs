using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fabrix.Contracts.Manifests;
using static Fabrix.Contracts.Tests.Manifests.ManifestFixtures;

namespace Fabrix.Contracts.Tests.Manifests;

public sealed class ManifestDigestTests
{
    [Fact]
    public void Compute_KnownInput_IsSha256OfCanonicalText()
    {
        const string json = "{ \"b\": [1, 2.50, {\"z\": null, \"a\": true}], \"a\": \"x\\ty\" }";
        const string canonical = "{\"a\":\"x\\ty\",\"b\":[1,2.50,{\"a\":true,\"z\":null}]}";

        var digest = ManifestDigest.Compute(json);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), digest);
        Assert.Matches("^[0-9a-f]{64}$", digest);
    }

    [Fact]
    public void Compute_KeyOrderAndWhitespace_DoNotChangeDigest()
    {
        var original = Text(UserManagement);
        using var document = JsonDocument.Parse(original);
        var reordered = "{" + string.Join(
            ",\n\n   ",
            document.RootElement.EnumerateObject().Reverse().Select(p => JsonSerializer.Serialize(p.Name) + " :\t" + p.Value.GetRawText())) + "}";

        Assert.Equal(ManifestDigest.Compute(original), ManifestDigest.Compute(reordered));
    }

    [Fact]
    public void Compute_EquivalentStringEscapes_SameDigest()
    {
        Assert.Equal(ManifestDigest.Compute("{\"a\":\"é/\"}"), ManifestDigest.Compute("{\"a\":\"\\u00e9\\/\"}"));
    }

    [Fact]
    public void Compute_KeysSortedOrdinally_NotByCulture()
    {
        var canonical = ManifestDigest.Canonicalize(JsonDocument.Parse("{\"b\":1,\"B\":2,\"a\":3,\"_\":4}").RootElement);

        Assert.Equal("{\"B\":2,\"_\":4,\"a\":3,\"b\":1}", canonical);
    }

    [Theory]
    [InlineData("version", "\"1.0.1\"")]
    [InlineData("name", "\"User Management plugin\"")]
    [InlineData("traits", "[\"audit_required\", \"handles_pii\"]")]
    [InlineData("security.authentication_required", "false")]
    [InlineData("compliance.hipaa_controls", "[\"164.312(a)\"]")]
    [InlineData("endpoints.health", "\"/healthz\"")]
    [InlineData("dependencies", "[\"billing\"]")]
    [InlineData("resources", "{\"cpu_limit\": 1}")]
    [InlineData("description", null)]
    public void Compute_AnyValueChange_ChangesDigest(string field, string? value)
    {
        var original = Text(UserManagement);

        var changed = Edit(UserManagement, (field, value));

        Assert.NotEqual(ManifestDigest.Compute(original), ManifestDigest.Compute(changed));
    }

    [Fact]
    public void Compute_NumberSpelling_IsContent()
    {
        Assert.NotEqual(ManifestDigest.Compute("{\"cpu_limit\":1}"), ManifestDigest.Compute("{\"cpu_limit\":1.0}"));
    }

    [Fact]
    public void Compute_ElementAndText_SameDigest()
    {
        using var document = JsonDocument.Parse(Text(ClaimsGateway));

        Assert.Equal(ManifestDigest.Compute(Text(ClaimsGateway)), ManifestDigest.Compute(document.RootElement));
    }

    [Fact]
    public void Compute_ControlCharacters_EscapedOneWay()
    {
        var canonical = ManifestDigest.Canonicalize(JsonDocument.Parse("[\"\\u0001\\b\\n\\\"\\\\\\u001F\"]").RootElement);

        Assert.Equal("[\"\\u0001\\b\\n\\\"\\\\\\u001f\"]", canonical);
    }

    [Fact]
    public void Compute_UnpairedSurrogates_DigestInsteadOfException()
    {
        var digest = ManifestDigest.Compute("{\"\\ud800\":\"\\udc00\"}");

        Assert.Matches("^[0-9a-f]{64}$", digest);
    }

    [Fact]
    public void Compute_TextThatIsNotJson_ThrowsJsonException()
    {
        Assert.ThrowsAny<JsonException>(() => ManifestDigest.Compute("{"));
    }
}
