using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Tests.Dependencies;

namespace Fabrix.Core.Registry.Tests.Lifecycle;

public sealed class DependencyRulesTests
{
    [Fact]
    public void CheckCandidate_MissingDependencies_NamesThemAtTheirPathsBeforeAnyCycle()
    {
        var snapshot = Snapshot(("a", PluginState.Active, []), ("b", PluginState.Installed, ["c"]));

        var refusal = DependencyRules.CheckCandidate(snapshot, Candidate("c", "a", "x", "b", "y"));

        Assert.NotNull(refusal);
        Assert.Equal((RefusalKind.FailedPrecondition, RefusalCodes.DependenciesNotInstalled), (refusal.Kind, refusal.Code));
        Assert.Contains("not installed: x, y.", refusal.Reason, StringComparison.Ordinal);
        Assert.Equal(["$.dependencies[1]", "$.dependencies[3]"], refusal.Violations.Select(v => v.Field));
    }

    [Fact]
    public void CheckCandidate_ClosesACycle_NamesItFromItsSmallestId()
    {
        var snapshot = Snapshot(("a", PluginState.Installed, []), ("b", PluginState.Installed, ["a"]), ("c", PluginState.Installed, ["b"]));

        var refusal = DependencyRules.CheckCandidate(snapshot, Candidate("a", "c"));

        Assert.NotNull(refusal);
        Assert.Equal(RefusalCodes.DependencyCycle, refusal.Code);
        Assert.Contains("a → c → b → a", refusal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckCandidate_InstalledDependenciesWithoutCycle_IsNull()
    {
        var snapshot = Snapshot(("a", PluginState.Installed, []), ("b", PluginState.Disabled, ["a"]));

        Assert.Null(DependencyRules.CheckCandidate(snapshot, Candidate("c", "a", "b")));
    }

    [Fact]
    public void Cycle_UnrelatedCycleElsewhere_DoesNotConcernTheCandidate()
    {
        var snapshot = Snapshot(("x", PluginState.Installed, ["y"]), ("y", PluginState.Installed, ["x"]), ("a", PluginState.Installed, []));

        Assert.Null(DependencyRules.Cycle(snapshot, Candidate("c", "a")));
        Assert.Equal("x → y → x", DependencyRules.Cycle(snapshot, Candidate("c", "x"))!.Text);
    }

    [Fact]
    public void ActiveDependents_TransitiveThroughADisabledPlugin_DependentsOfDependentsFirst()
    {
        var snapshot = Snapshot(
            ("a", PluginState.Active, []),
            ("b", PluginState.Active, ["a"]),
            ("c", PluginState.Active, ["b"]),
            ("d", PluginState.Disabled, ["a"]),
            ("e", PluginState.Active, ["d"]),
            ("f", PluginState.Active, []));

        var (dependents, refusal) = DependencyRules.ActiveDependents(snapshot, "a");

        Assert.Null(refusal);
        Assert.Equal(["c", "b", "e"], dependents);
    }

    [Fact]
    public void ActiveDependents_DependentsInACycle_IsRefusalNamingIt()
    {
        var snapshot = Snapshot(("a", PluginState.Active, []), ("b", PluginState.Active, ["a", "c"]), ("c", PluginState.Active, ["b"]));

        var (dependents, refusal) = DependencyRules.ActiveDependents(snapshot, "a");

        Assert.Empty(dependents);
        Assert.Contains("b → c → b", refusal!.Reason, StringComparison.Ordinal);
    }

    private static DependencySnapshot Snapshot(params (string Id, PluginState Status, string[] Dependencies)[] plugins) =>
        new([.. plugins.Select(p => new InstalledDependencies(p.Id, p.Status, p.Dependencies))]);

    private static PluginManifest Candidate(string id, params string[] dependencies)
    {
        var manifest = PluginSetup.Manifest(id, "1.0.0", dependencies);
        return ManifestValidator.Validate(manifest.ToJsonString()).Manifest ?? throw new InvalidOperationException("test manifest must be valid");
    }
}
