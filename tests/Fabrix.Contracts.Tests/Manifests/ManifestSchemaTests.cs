using System.Text.Json;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Platform;
using NJsonSchema;

namespace Fabrix.Contracts.Tests.Manifests;

/// <summary>
/// The published JSON Schema (issue 2 section 2) agrees with the validator on the shared rule table, except for
/// the rows that name a gap — rules draft-07 cannot state — where the validator alone rejects.
/// </summary>
public sealed class ManifestSchemaTests
{
    public static TheoryData<string> ExpressibleCases => [.. ManifestCases.All.Where(c => c.SchemaGap is null).Select(c => c.Name)];

    public static TheoryData<string> GapCases => [.. ManifestCases.All.Where(c => c.SchemaGap is not null).Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(ExpressibleCases))]
    public async Task Schema_ExpressibleRule_AgreesWithValidator(string name)
    {
        var @case = ManifestCases.Get(name);
        var schema = await LoadSchemaAsync();

        var schemaErrors = schema.Validate(@case.Json);
        var validator = ManifestValidator.Validate(@case.Json);

        Assert.Equal(validator.IsValid, schemaErrors.Count == 0);
        Assert.Equal(@case.IsValid, validator.IsValid);
    }

    [Theory]
    [MemberData(nameof(GapCases))]
    public void Schema_InexpressibleRule_ValidatorAloneRejects(string name)
    {
        var @case = ManifestCases.Get(name);

        var validator = ManifestValidator.Validate(@case.Json);

        Assert.False(string.IsNullOrWhiteSpace(@case.SchemaGap));
        Assert.False(@case.IsValid);
        Assert.False(validator.IsValid);
    }

    [Fact]
    public void ManifestSchema_Json_IsTheFileInContracts()
    {
        var file = File.ReadAllText(Path.Combine(RepositoryRoot(), "Contracts", "schemas", "plugin-manifest.schema.json"));

        Assert.Equal(file, ManifestSchema.Json);
    }

    [Fact]
    public async Task ManifestSchema_Json_IsDraft07()
    {
        var schema = await LoadSchemaAsync();

        Assert.Equal(JsonObjectType.Object, schema.Type);
        Assert.Contains("draft-07", JsonDocument.Parse(ManifestSchema.Json).RootElement.GetProperty("$schema").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ManifestSchema_Enumerations_MatchValidatorVocabulary()
    {
        var properties = JsonDocument.Parse(ManifestSchema.Json).RootElement.GetProperty("properties");

        Assert.Equal(ManifestVocabulary.Contracts, Enum(properties.GetProperty("contracts").GetProperty("items")));
        Assert.Equal(ManifestVocabulary.ForbiddenTraits, Enum(properties.GetProperty("traits").GetProperty("items").GetProperty("not")));
        Assert.Equal(
            ManifestVocabulary.DataClassifications,
            Enum(properties.GetProperty("security").GetProperty("properties").GetProperty("data_classification").GetProperty("items")));
        Assert.Equal(ManifestVocabulary.AuditLevels, Enum(properties.GetProperty("compliance").GetProperty("properties").GetProperty("audit_level")));
        Assert.Equal(ManifestVocabulary.HealthCheckTypes, Enum(properties.GetProperty("health_check").GetProperty("properties").GetProperty("type")));
    }

    [Fact]
    public void ManifestSchema_Platform_IsBoundedStringLikeValidator()
    {
        var platform = JsonDocument.Parse(ManifestSchema.Json).RootElement.GetProperty("properties").GetProperty("platform");

        Assert.Equal("string", platform.GetProperty("type").GetString());
        Assert.Equal(PlatformRange.MaxLength, platform.GetProperty("maxLength").GetInt32());
        Assert.All(platform.GetProperty("examples").EnumerateArray(), e => Assert.True(PlatformRange.TryParse(e.GetString()!, out _, out _)));
    }

    [Fact]
    public void ManifestSchema_Bounds_MatchManifestBounds()
    {
        var properties = JsonDocument.Parse(ManifestSchema.Json).RootElement.GetProperty("properties");
        int Number(JsonElement element, string name) => element.GetProperty(name).GetInt32();

        Assert.Equal(ManifestBounds.MaxIdLength, Number(properties.GetProperty("id"), "maxLength"));
        Assert.Equal(ManifestBounds.MaxNameLength, Number(properties.GetProperty("name"), "maxLength"));
        Assert.Equal(ManifestBounds.MaxDescriptionLength, Number(properties.GetProperty("description"), "maxLength"));
        Assert.Equal(ManifestBounds.MaxVersionLength, Number(properties.GetProperty("version"), "maxLength"));
        Assert.Equal(ManifestBounds.MaxPlatformLength, Number(properties.GetProperty("platform"), "maxLength"));
        Assert.Equal(ManifestBounds.MaxSchemaReferenceLength, Number(properties.GetProperty("$schema"), "maxLength"));
        Assert.Equal(ManifestBounds.MaxContracts, Number(properties.GetProperty("contracts"), "maxItems"));
        Assert.Equal(ManifestBounds.MaxTraits, Number(properties.GetProperty("traits"), "maxItems"));
        Assert.Equal(ManifestBounds.MaxTraitLength, Number(properties.GetProperty("traits").GetProperty("items"), "maxLength"));
        Assert.Equal(ManifestBounds.MaxDependencies, Number(properties.GetProperty("dependencies"), "maxItems"));
        Assert.Equal(ManifestBounds.MaxIdLength, Number(properties.GetProperty("dependencies").GetProperty("items"), "maxLength"));
        Assert.Equal(ManifestBounds.MaxAllowedDomains, Number(properties.GetProperty("allowed_domains"), "maxItems"));
        Assert.Equal(ManifestBounds.MaxEndpoints, Number(properties.GetProperty("endpoints"), "maxProperties"));
        Assert.Equal(ManifestBounds.MaxPathLength, Number(properties.GetProperty("endpoints").GetProperty("additionalProperties"), "maxLength"));
        Assert.True(properties.GetProperty("endpoints").GetProperty("patternProperties").TryGetProperty($"^[\\s\\S]{{{ManifestBounds.MaxEndpointNameLength + 1}}}", out _));
        Assert.Equal(ManifestBounds.MaxDataClassifications, Number(properties.GetProperty("security").GetProperty("properties").GetProperty("data_classification"), "maxItems"));
        var hipaa = properties.GetProperty("compliance").GetProperty("properties").GetProperty("hipaa_controls");
        Assert.Equal(ManifestBounds.MaxHipaaControls, Number(hipaa, "maxItems"));
        Assert.Equal(ManifestBounds.MaxHipaaControlLength, Number(hipaa.GetProperty("items"), "maxLength"));
        Assert.Equal(ManifestBounds.MaxPathLength, Number(properties.GetProperty("health_check").GetProperty("properties").GetProperty("path"), "maxLength"));
        Assert.Contains("65,536 bytes", JsonDocument.Parse(ManifestSchema.Json).RootElement.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schema_UnknownPropertiesEverywhere_StillValid()
    {
        var schema = await LoadSchemaAsync();
        var json = ManifestFixtures.Edit(
            ManifestFixtures.ClaimsGateway,
            ("extra", "1"), ("security.extra", "1"), ("compliance.extra", "1"), ("health_check.extra", "1"), ("resources.extra", "1"));

        Assert.Empty(schema.Validate(json));
    }

    private static IEnumerable<string> Enum(JsonElement schema) =>
        schema.GetProperty("enum").EnumerateArray().Select(e => e.GetString()!);

    private static Task<JsonSchema> LoadSchemaAsync() => JsonSchema.FromJsonAsync(ManifestSchema.Json, TestContext.Current.CancellationToken);

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Fabrix.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Fabrix.sln not found above " + AppContext.BaseDirectory);
    }
}
