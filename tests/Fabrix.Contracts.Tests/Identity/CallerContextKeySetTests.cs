using System.Security.Cryptography;
using System.Text;
using Fabrix.Contracts.Identity;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Contracts.Tests.Identity;

/// <summary>The caller-context key set: what the registry writes, plugins read back; anything else is refused with its member path.</summary>
public sealed class CallerContextKeySetTests
{
    [Fact]
    public void Parse_Written_ReturnsEachKeyWithItsService()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = new ECDsaSecurityKey(ecdsa) { KeyId = "svc-0123456789abcdef" };

        var keys = CallerContextKeySet.Parse(CallerContextKeySet.Write([("core-gateway", key)]));

        var (service, parsed) = keys["svc-0123456789abcdef"];
        Assert.Equal("core-gateway", service);
        Assert.Equal(ecdsa.ExportSubjectPublicKeyInfo(), ((ECDsaSecurityKey)parsed).ECDsa.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void Write_PrivateKey_WritesNoPrivateMember()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var json = Encoding.UTF8.GetString(CallerContextKeySet.Write([("core-gateway", new ECDsaSecurityKey(ecdsa) { KeyId = "svc-1" })]));

        Assert.DoesNotContain("\"d\"", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("""{"keys":{}}""", "no 'keys' array")]
    [InlineData("""{"keys":[{"kty":"RSA","crv":"P-256","alg":"ES256","kid":"svc-1","fabrix_service":"core-gateway","x":"AA","y":"AA"}]}""", "keys[0].kty")]
    [InlineData("""{"keys":[{"kty":"EC","crv":"P-256","alg":"HS256","kid":"svc-1","fabrix_service":"core-gateway","x":"AA","y":"AA"}]}""", "keys[0].alg")]
    [InlineData("""{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"plugin-key","fabrix_service":"core-gateway","x":"AA","y":"AA"}]}""", "keys[0].kid")]
    [InlineData("""{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"svc-1","x":"AA","y":"AA"}]}""", "keys[0].fabrix_service")]
    [InlineData("""{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"svc-1","fabrix_service":"core-gateway","x":"AA","y":"AA"}]}""", "keys[0] is not a valid P-256 public key")]
    public void Parse_Malformed_ThrowsNamingTheProblem(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => CallerContextKeySet.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
