using Fabrix.Contracts.Manifests;
using static Fabrix.Contracts.Tests.Manifests.ManifestFixtures;

namespace Fabrix.Contracts.Tests.Manifests;

public sealed class ManifestPermissionDiffTests
{
    private sealed record DiffCase(string Name, (string, string?)[] From, (string, string?)[] To, string[] Lines, bool RequiresApproval);

    private static readonly (string, string?)[] s_same = [];

    /// <summary>Every kind of addition and removal, starting from the minimal echo manifest.</summary>
    private static readonly DiffCase[] s_cases =
    [
        new("identical", s_same, s_same, [], false),
        new("traits reordered", [("traits", "[\"stateless\",\"caches_results\"]")], [("traits", "[\"caches_results\",\"stateless\"]")], [], false),
        new("trait added", s_same, [("traits", "[\"stateless\",\"caches_results\"]")], ["+ trait caches_results"], true),
        new("trait removed", [("traits", "[\"stateless\",\"caches_results\"]")], s_same, ["- trait caches_results"], false),
        new("classification added", s_same, [("security.data_classification", "[\"public\",\"internal\"]")], ["+ data_classification internal"], true),
        new("classification removed", [("security.data_classification", "[\"public\",\"internal\"]")], s_same, ["- data_classification internal"], false),
        new("domain added", [("allowed_domains", "[\"api.example.com\"]")], [("allowed_domains", "[\"api.example.com\",\"hooks.example.com\"]")], ["+ domain hooks.example.com"], true),
        new("domain added under an old wildcard", [("allowed_domains", "[\"*.example.com\"]")], [("allowed_domains", "[\"*.example.com\",\"api.example.com\"]")], ["+ domain api.example.com"], true),
        new("domain only re-cased", [("allowed_domains", "[\"api.example.com\"]")], [("allowed_domains", "[\"API.Example.com\"]")], [], false),
        new("domain removed", [("allowed_domains", "[\"api.example.com\",\"hooks.example.com\"]")], [("allowed_domains", "[\"api.example.com\"]")], ["- domain hooks.example.com"], false),
        new("dependency added", s_same, [("dependencies", "[\"billing\"]")], ["+ dependency billing"], true),
        new("dependency removed", [("dependencies", "[\"billing\",\"user-management\"]")], [("dependencies", "[\"user-management\"]")], ["- dependency billing"], false),
        new("contract added", s_same, [("contracts", "[\"ProcessingPlugin\",\"StoragePlugin\"]")], ["+ contract StoragePlugin"], false),
        new("contract removed", [("contracts", "[\"ProcessingPlugin\",\"StoragePlugin\"]")], s_same, ["- contract StoragePlugin"], false),
        new("endpoint added", s_same, [("endpoints", "{\"claims\":\"/api/claims/{id}\"}")], ["+ endpoint claims /api/claims/{id}"], false),
        new("endpoint removed", [("endpoints", "{\"claims\":\"/api/claims/{id}\"}")], s_same, ["- endpoint claims /api/claims/{id}"], false),
        new("endpoint path changed", [("endpoints", "{\"health\":\"/health\"}")], [("endpoints", "{\"health\":\"/healthz\"}")], ["~ endpoint health /health → /healthz"], false),
        new("health check added", s_same, [("health_check", "{\"type\":\"http\",\"port\":8080,\"path\":\"/health\"}")], ["+ health_check http port 8080 /health"], false),
        new("health check changed", [("health_check", "{\"type\":\"http\",\"port\":8080,\"path\":\"/health\"}")], [("health_check", "{\"type\":\"grpc\",\"port\":5001}")], ["~ health_check http port 8080 /health → grpc port 5001"], false),
        new("health check removed", [("health_check", "{\"type\":\"grpc\",\"port\":5001}")], s_same, ["- health_check grpc port 5001"], false),
        new("resources changed", [("resources", "{\"memory_limit\":512}")], [("resources", "{\"memory_limit\":1024,\"cpu_limit\":0.5}")], ["~ resources.memory_limit 512 → 1024", "+ resources.cpu_limit 0.5"], false),
        new("resources removed", [("resources", "{\"memory_limit\":512,\"cpu_limit\":0.5}")], s_same, ["- resources.memory_limit 512", "- resources.cpu_limit 0.5"], false),
        new("audit level changed", [("compliance", "{\"audit_level\":\"basic\"}")], [("compliance", "{\"audit_level\":\"none\"}")], ["~ compliance.audit_level basic → none"], false),
        new("hipaa controls changed", [("compliance", "{\"hipaa_controls\":[\"164.312(a)\"]}")], [("compliance", "{\"hipaa_controls\":[\"164.312(b)\"]}")], ["+ compliance.hipaa_controls 164.312(b)", "- compliance.hipaa_controls 164.312(a)"], false),
        new("publishes added", [("events", "{\"publishes\":[\"DocumentProcessed\"]}")], [("events", "{\"publishes\":[\"DocumentProcessed\",\"UserDeleted\"]}")], ["+ publishes UserDeleted"], true),
        new("publishes removed", [("events", "{\"publishes\":[\"DocumentProcessed\",\"UserDeleted\"]}")], s_same, ["- publishes DocumentProcessed", "- publishes UserDeleted"], false),
        new("subscribes added", s_same, [("events", "{\"subscribes\":[\"PluginLifecycleChanged\"]}")], ["+ subscribes PluginLifecycleChanged"], true),
        new("subscribes removed", [("events", "{\"subscribes\":[\"UserDeleted\"]}")], [("events", "{}")], ["- subscribes UserDeleted"], false),
        new("delivery switched to push", [("events", "{\"subscribes\":[\"UserDeleted\"]}")], [("events", "{\"subscribes\":[\"UserDeleted\"],\"delivery\":\"push\",\"push_path\":\"/fabrix/events\"}")], ["~ events.delivery stream → push /fabrix/events"], false),
        new("push path changed", [("events", "{\"delivery\":\"push\",\"push_path\":\"/a\"}")], [("events", "{\"delivery\":\"push\",\"push_path\":\"/b\"}")], ["~ events.delivery push /a → push /b"], false),
        new("platform added", s_same, [("platform", "\"^1.0.0\"")], ["+ platform ^1.0.0"], false),
        new("platform changed", [("platform", "\"^1.0.0\"")], [("platform", "\"^2.0.0\"")], ["~ platform ^1.0.0 → ^2.0.0"], false),
        new(
            "several at once, additions first",
            [("traits", "[\"stateless\",\"caches_results\"]"), ("endpoints", "{\"health\":\"/health\"}")],
            [("traits", "[\"stateless\",\"handles_pii\"]"), ("security.data_classification", "[\"public\",\"pii\"]"), ("compliance", "{\"audit_level\":\"detailed\"}"),
                ("dependencies", "[\"billing\"]"), ("endpoints", "{\"health\":\"/health\",\"users\":\"/api/users\"}")],
            ["+ trait handles_pii", "+ data_classification pii", "+ dependency billing", "+ endpoint users /api/users", "- trait caches_results", "+ compliance.audit_level detailed"],
            true),
    ];

    public static TheoryData<string> CaseNames => [.. s_cases.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Compute_Case_DescribesExactlyTheChanges(string name)
    {
        var @case = s_cases.Single(c => c.Name == name);

        var diff = ManifestPermissionDiff.Compute(Manifest(@case.From), Manifest(@case.To));

        Assert.Equal(@case.Lines, diff.Describe());
        Assert.Equal(@case.Lines.Length == 0, diff.IsEmpty);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void RequiresApproval_Case_TrueExactlyForAddedTraitsClassificationsDomainsDependenciesEvents(string name)
    {
        var @case = s_cases.Single(c => c.Name == name);

        var diff = ManifestPermissionDiff.Compute(Manifest(@case.From), Manifest(@case.To));

        Assert.Equal(@case.RequiresApproval, diff.RequiresApproval);
    }

    [Fact]
    public void CaseTable_EveryApprovalKind_AddedAndRemoved()
    {
        foreach (var kind in new[] { "trait", "classification", "domain", "dependency", "publishes", "subscribes" })
        {
            Assert.Contains(s_cases, c => c.Name == kind + " added" && c.RequiresApproval);
            Assert.Contains(s_cases, c => c.Name == kind + " removed" && !c.RequiresApproval);
        }
    }

    [Fact]
    public void Compute_EveryKindChanged_ListsEachOnItsProperty()
    {
        var from = Manifest([("dependencies", "[\"user-management\"]"), ("allowed_domains", "[\"old.example.com\"]"), ("endpoints", "{\"a\":\"/a\"}")]);
        var to = Manifest(
        [
            ("traits", "[\"handles_pii\"]"), ("security.data_classification", "[\"pii\"]"), ("compliance", "{\"audit_level\":\"complete\"}"),
            ("dependencies", "[\"billing\"]"), ("allowed_domains", "[\"new.example.com\"]"), ("contracts", "[\"StoragePlugin\"]"),
            ("endpoints", "{\"b\":\"/b\"}"), ("version", "\"0.2.0\""),
        ]);

        var diff = ManifestPermissionDiff.Compute(from, to);

        Assert.Equal("echo", diff.PluginId);
        Assert.Equal("0.1.0", diff.FromVersion);
        Assert.Equal("0.2.0", diff.ToVersion);
        Assert.Equal(["handles_pii"], diff.AddedTraits);
        Assert.Equal(["stateless"], diff.RemovedTraits);
        Assert.Equal(["pii"], diff.AddedDataClassifications);
        Assert.Equal(["public"], diff.RemovedDataClassifications);
        Assert.Equal(["new.example.com"], diff.AddedAllowedDomains);
        Assert.Equal(["old.example.com"], diff.RemovedAllowedDomains);
        Assert.Equal(["billing"], diff.AddedDependencies);
        Assert.Equal(["user-management"], diff.RemovedDependencies);
        Assert.Equal(["StoragePlugin"], diff.AddedContracts);
        Assert.Equal(["ProcessingPlugin"], diff.RemovedContracts);
        Assert.Equal([new ManifestEndpointChange("b", null, "/b")], diff.AddedEndpoints);
        Assert.Equal([new ManifestEndpointChange("a", "/a", null)], diff.RemovedEndpoints);
        Assert.Empty(diff.ChangedEndpoints);
        Assert.Equal([new ManifestFieldChange("compliance.audit_level", null, "complete")], diff.OtherChanges);
        Assert.True(diff.RequiresApproval);
    }

    [Fact]
    public void Compute_DifferentPlugins_Throws()
    {
        var echo = Manifest(s_same);
        var other = Manifest([("id", "\"other\"")]);

        var error = Assert.Throws<ArgumentException>(() => ManifestPermissionDiff.Compute(echo, other));

        Assert.Contains("'echo' and 'other'", error.Message, StringComparison.Ordinal);
    }

    private static PluginManifest Manifest((string, string?)[] edits)
    {
        var result = ManifestValidator.Validate(Edit(Echo, edits));
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => e.Path + ": " + e.Message)));
        return result.Manifest!;
    }
}
