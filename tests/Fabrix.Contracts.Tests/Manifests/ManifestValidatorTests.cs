using System.Text.Json;
using Fabrix.Contracts.Manifests;
using static Fabrix.Contracts.Tests.Manifests.ManifestFixtures;

namespace Fabrix.Contracts.Tests.Manifests;

public sealed class ManifestValidatorTests
{
    private const string Mutations = "{}[]\",:0123456789eE.-tfnu\\ x";

    public static TheoryData<string> CaseNames => [.. ManifestCases.All.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Validate_RuleTableCase_ReportsErrorsExactlyAtExpectedPath(string name)
    {
        var @case = ManifestCases.Get(name);

        var result = ManifestValidator.Validate(@case.Json);

        if (@case.IsValid)
        {
            Assert.True(result.IsValid, Describe(result));
            Assert.NotNull(result.Manifest);
        }
        else
        {
            Assert.False(result.IsValid);
            Assert.Null(result.Manifest);
            Assert.Equal([@case.ErrorPath!], result.Errors.Select(e => e.Path).Distinct());
            Assert.All(result.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
        }

        if (@case.WarningPath is not null)
        {
            Assert.Contains(result.Warnings, w => w.Path == @case.WarningPath);
        }
    }

    [Fact]
    public void CaseTable_EveryRuleBothWays_HasValidAndInvalidRows()
    {
        var groups = ManifestCases.All
            .GroupBy(c => c.Name.Split(':')[0])
            .Where(g => !g.Key.StartsWith("fixture", StringComparison.Ordinal) && !g.Key.StartsWith("root", StringComparison.Ordinal));

        var oneSided = groups.Where(g => g.All(c => c.IsValid) || g.All(c => !c.IsValid)).Select(g => g.Key).ToList();

        Assert.Empty(oneSided);
    }

    [Fact]
    public void Validate_SeedExample_YieldsTypedManifest()
    {
        var result = ManifestValidator.Validate(Text(UserManagement));

        var manifest = Assert.IsType<PluginManifest>(result.Manifest);
        Assert.Empty(result.Warnings);
        Assert.Equal("user-management", manifest.Id);
        Assert.Equal("User Management Plugin", manifest.Name);
        Assert.Equal("1.0.0", manifest.Version);
        Assert.Equal("Manages user profiles and extended attributes", manifest.Description);
        Assert.Equal(["IdentityPlugin"], manifest.Contracts);
        Assert.Equal(["handles_pii", "audit_required"], manifest.Traits);
        Assert.True(manifest.HasTrait("handles_pii"));
        Assert.Empty(manifest.Dependencies);
        Assert.Empty(manifest.AllowedDomains);
        Assert.Equal("/api/users/{id}", manifest.Endpoints["user_info"]);
        Assert.True(manifest.Security.AuthenticationRequired);
        Assert.Equal(["pii", "internal"], manifest.Security.DataClassification);
        Assert.Equal(["164.312(a)", "164.312(d)"], manifest.Compliance!.HipaaControls);
        Assert.Equal("detailed", manifest.Compliance.AuditLevel);
        Assert.Null(manifest.HealthCheck);
        Assert.Null(manifest.Resources);
    }

    [Fact]
    public void Validate_EveryOptionalSection_TypedManifestCarriesThem()
    {
        var result = ManifestValidator.Validate(Edit(ClaimsGateway, ("allowed_domains", "[\"API.Example.com\"]")));

        var manifest = Assert.IsType<PluginManifest>(result.Manifest);
        Assert.Equal(["api.example.com"], manifest.AllowedDomains);
        Assert.Equal(["user-management"], manifest.Dependencies);
        Assert.Equal(new ManifestHealthCheck("http", 8080, "/health"), manifest.HealthCheck);
        Assert.Equal(new ManifestResources(512, 0.5), manifest.Resources);
        Assert.Equal("complete", manifest.Compliance!.AuditLevel);
    }

    [Fact]
    public void Validate_PushDelivery_TypedManifestCarriesModeAndPath()
    {
        var push = ManifestValidator.Validate(Edit(ClaimsGateway, ("events", "{\"subscribes\":[\"UserDeleted\"],\"delivery\":\"push\",\"push_path\":\"/fabrix/events\"}")));
        var omitted = ManifestValidator.Validate(Edit(ClaimsGateway, ("events", "{\"subscribes\":[\"UserDeleted\"]}")));

        Assert.Equal((EventDelivery.Push, "/fabrix/events"), (push.Manifest!.Events.Delivery, push.Manifest.Events.PushPath));
        Assert.Equal((EventDelivery.Stream, (string?)null), (omitted.Manifest!.Events.Delivery, omitted.Manifest.Events.PushPath));
    }

    [Fact]
    public void Validate_ManyBrokenRules_ReportsEveryErrorAtOnce()
    {
        const string json = """
            {
              "id": "Bad Id",
              "name": "",
              "version": "1.0",
              "contracts": ["GodPlugin"],
              "traits": ["admin", "handles_phi", "external_service"],
              "dependencies": ["x", "x"],
              "allowed_domains": ["127.0.0.1", "localhost"],
              "endpoints": { "api": "api/v1?x=1" },
              "security": { "authentication_required": false, "data_classification": ["secret"] },
              "health_check": { "type": "tcp", "port": 70000 },
              "resources": { "memory_limit": 1, "cpu_limit": 9 },
              "surprise": true
            }
            """;

        var result = ManifestValidator.Validate(json);

        Assert.Equal(
            [
                "$.allowed_domains[0]", "$.allowed_domains[1]", "$.compliance", "$.contracts[0]", "$.dependencies[1]",
                "$.endpoints.api", "$.health_check.port", "$.health_check.type", "$.id", "$.name",
                "$.resources.cpu_limit", "$.resources.memory_limit", "$.security.authentication_required",
                "$.security.data_classification", "$.security.data_classification[0]", "$.traits[0]", "$.version",
            ],
            result.Errors.Select(e => e.Path).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(["$.surprise"], result.Warnings.Select(w => w.Path));
    }

    [Fact]
    public void Validate_EmptyObject_ReportsEveryMissingRequiredProperty()
    {
        var result = ManifestValidator.Validate("{}");

        Assert.Equal(
            ["$.contracts", "$.id", "$.name", "$.security", "$.traits", "$.version"],
            result.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not json")]
    [InlineData("{\"id\": \"echo\",}")]
    [InlineData("{\"id\": \"echo\"} trailing")]
    [InlineData("// comment\n{}")]
    [InlineData("{\"id\": \"\\uZZZZ\"}")]
    public void Validate_TextThatIsNotJson_OneErrorAtRoot(string text)
    {
        var result = ManifestValidator.Validate(text);

        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
        Assert.Null(result.Manifest);
    }

    [Fact]
    public void Validate_NullText_OneErrorAtRoot()
    {
        var result = ManifestValidator.Validate((string)null!);

        Assert.Equal("$", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Validate_NestingDeeperThanLimit_OneErrorAtRoot()
    {
        var json = "{\"x\":" + new string('[', 500) + new string(']', 500) + "}";

        var result = ManifestValidator.Validate(json);

        Assert.Equal("$", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Validate_DefaultJsonElement_ErrorAtRootInsteadOfException()
    {
        var result = ManifestValidator.Validate(default(JsonElement));

        Assert.Equal("$", Assert.Single(result.Errors).Path);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("-0")]
    [InlineData("1e400")]
    [InlineData("\"x\"")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("[null, {}]")]
    public void Validate_AnyJsonValueInAnyField_NeverThrows(string value)
    {
        var fields = new[]
        {
            "id", "name", "version", "description", "contracts", "traits", "dependencies", "allowed_domains", "endpoints",
            "security", "security.authentication_required", "security.data_classification", "compliance",
            "compliance.hipaa_controls", "compliance.audit_level", "health_check", "health_check.type", "health_check.port",
            "health_check.path", "resources", "resources.memory_limit", "resources.cpu_limit",
        };

        foreach (var field in fields)
        {
            var json = Edit(ClaimsGateway, (field, value));

            var result = ManifestValidator.Validate(json);

            Assert.All(result.Errors.Concat(result.Warnings), i => Assert.StartsWith("$", i.Path, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_EveryTruncationAndByteFlip_NeverThrows()
    {
        var text = Text(ClaimsGateway);
        var random = new Random(2);
        var inputs = Enumerable.Range(0, text.Length).Select(n => text[..n]).ToList();
        for (var i = 0; i < 2000; i++)
        {
            var chars = text.ToCharArray();
            chars[random.Next(chars.Length)] = Mutations[random.Next(Mutations.Length)];
            inputs.Add(new string(chars));
        }

        foreach (var input in inputs)
        {
            var result = ManifestValidator.Validate(input);

            Assert.Equal(result.IsValid, result.Manifest is not null);
            if (result.IsValid)
            {
                Assert.Matches("^[0-9a-f]{64}$", ManifestDigest.Compute(input));
            }
        }
    }

    [Fact]
    public void Validate_PropertyNameWithUnpairedSurrogate_ErrorNotException()
    {
        var json = Text(Echo).Replace("\"id\":", "\"\\udc00\": 1, \"id\":", StringComparison.Ordinal);

        var result = ManifestValidator.Validate(json);

        Assert.Equal("$", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Validate_UnknownTrait_WarningSaysItCarriesNoRule()
    {
        var result = ManifestValidator.Validate(Edit(Echo, ("traits", "[\"stateless\"]")));

        var warning = Assert.Single(result.Warnings);
        Assert.Equal("$.traits[0]", warning.Path);
        Assert.Contains("no platform rule", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownFieldsAtEveryLevel_OneWarningEach()
    {
        var json = Edit(
            ClaimsGateway,
            ("extra", "1"), ("security.extra", "1"), ("compliance.extra", "1"), ("health_check.extra", "1"), ("resources.extra", "1"), ("odd key", "1"));

        var result = ManifestValidator.Validate(json);

        Assert.True(result.IsValid);
        Assert.Equal(
            ["$.compliance.extra", "$.extra", "$.health_check.extra", "$.resources.extra", "$.security.extra", "$['odd key']"],
            result.Warnings.Select(w => w.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_SchemaReference_NoWarning()
    {
        var result = ManifestValidator.Validate(Text(ClaimsGateway));

        Assert.DoesNotContain(result.Warnings, w => w.Path.Contains("$schema", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_JsonElementOverload_SameFindingsAsText()
    {
        var json = Edit(ClaimsGateway, ("id", "\"Bad\""), ("extra", "1"));
        using var document = JsonDocument.Parse(json);

        var fromElement = ManifestValidator.Validate(document.RootElement);
        var fromText = ManifestValidator.Validate(json);

        Assert.Equal(fromText.Errors, fromElement.Errors);
        Assert.Equal(fromText.Warnings, fromElement.Warnings);
    }

    [Fact]
    public void Validate_ErrorMessages_NameTheOffendingValue()
    {
        var result = ManifestValidator.Validate(Edit(ClaimsGateway, ("allowed_domains", "[\"2130706433\"]")));

        var error = Assert.Single(result.Errors);
        Assert.Contains("2130706433", error.Message, StringComparison.Ordinal);
        Assert.Contains("IP literal", error.Message, StringComparison.Ordinal);
    }

    private static string Describe(ManifestValidationResult result) =>
        string.Join("; ", result.Errors.Select(e => $"{e.Path}: {e.Message}"));
}
