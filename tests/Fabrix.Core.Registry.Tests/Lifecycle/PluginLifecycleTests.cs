using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Lifecycle;

namespace Fabrix.Core.Registry.Tests.Lifecycle;

public sealed class PluginLifecycleTests
{
    /// <summary>
    /// The whole lifecycle of issue 2 / SHARED.md plus issue 3's upgrade and rollback (from every installed state back
    /// to installed: the plugin must register again with the pinned manifest), written independently of the
    /// implementation's table.
    /// </summary>
    private static readonly Dictionary<(PluginState, LifecycleTrigger), PluginState> Expected = new()
    {
        [(PluginState.NotInstalled, LifecycleTrigger.Install)] = PluginState.Installed,
        [(PluginState.Unregistered, LifecycleTrigger.Install)] = PluginState.Installed,
        [(PluginState.Installed, LifecycleTrigger.Register)] = PluginState.Registered,
        [(PluginState.Registered, LifecycleTrigger.Register)] = PluginState.Registered,
        [(PluginState.Active, LifecycleTrigger.Register)] = PluginState.Active,
        [(PluginState.Registered, LifecycleTrigger.Enable)] = PluginState.Active,
        [(PluginState.Disabled, LifecycleTrigger.Enable)] = PluginState.Active,
        [(PluginState.Active, LifecycleTrigger.Disable)] = PluginState.Disabled,
        [(PluginState.Registered, LifecycleTrigger.Unregister)] = PluginState.Unregistered,
        [(PluginState.Active, LifecycleTrigger.Unregister)] = PluginState.Unregistered,
        [(PluginState.Disabled, LifecycleTrigger.Unregister)] = PluginState.Unregistered,
        [(PluginState.Installed, LifecycleTrigger.Uninstall)] = PluginState.NotInstalled,
        [(PluginState.Unregistered, LifecycleTrigger.Uninstall)] = PluginState.NotInstalled,
        [(PluginState.Installed, LifecycleTrigger.Upgrade)] = PluginState.Installed,
        [(PluginState.Registered, LifecycleTrigger.Upgrade)] = PluginState.Installed,
        [(PluginState.Active, LifecycleTrigger.Upgrade)] = PluginState.Installed,
        [(PluginState.Disabled, LifecycleTrigger.Upgrade)] = PluginState.Installed,
        [(PluginState.Unregistered, LifecycleTrigger.Upgrade)] = PluginState.Installed,
        [(PluginState.Installed, LifecycleTrigger.Rollback)] = PluginState.Installed,
        [(PluginState.Registered, LifecycleTrigger.Rollback)] = PluginState.Installed,
        [(PluginState.Active, LifecycleTrigger.Rollback)] = PluginState.Installed,
        [(PluginState.Disabled, LifecycleTrigger.Rollback)] = PluginState.Installed,
        [(PluginState.Unregistered, LifecycleTrigger.Rollback)] = PluginState.Installed,
    };

    /// <summary>Every (state, trigger) pair, by name (the enums are internal to the service).</summary>
    public static TheoryData<string, string> EveryPair()
    {
        var data = new TheoryData<string, string>();
        foreach (var state in Enum.GetValues<PluginState>())
        {
            foreach (var trigger in Enum.GetValues<LifecycleTrigger>())
            {
                data.Add(state.ToString(), trigger.ToString());
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Decide_EveryStateAndTrigger_MatchesTheLifecycleTable(string fromName, string triggerName)
    {
        var (from, trigger) = Parse(fromName, triggerName);
        var decision = PluginLifecycle.Decide(from, trigger);

        if (Expected.TryGetValue((from, trigger), out var to))
        {
            Assert.True(decision.IsAllowed, decision.Refusal);
            Assert.Equal(to, decision.To);
            Assert.Null(decision.Refusal);
        }
        else
        {
            Assert.False(decision.IsAllowed);
            Assert.Equal(from, decision.To);
            Assert.NotNull(decision.Refusal);
        }
    }

    /// <summary>Every (state, trigger) pair the lifecycle forbids.</summary>
    public static TheoryData<string, string> IllegalPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var state in Enum.GetValues<PluginState>())
        {
            foreach (var trigger in Enum.GetValues<LifecycleTrigger>().Where(t => !Expected.ContainsKey((state, t))))
            {
                data.Add(state.ToString(), trigger.ToString());
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IllegalPairs))]
    public void Decide_IllegalPair_NamesEveryAllowedTransitionFromThatState(string fromName, string triggerName)
    {
        var (from, trigger) = Parse(fromName, triggerName);

        var decision = PluginLifecycle.Decide(from, trigger);

        Assert.Contains($"Cannot {PluginLifecycle.TriggerName(trigger)}", decision.Refusal, StringComparison.Ordinal);
        foreach (var ((_, allowedTrigger), target) in Expected.Where(e => e.Key.Item1 == from))
        {
            Assert.Contains($"{PluginLifecycle.TriggerName(allowedTrigger)} (-> {PluginLifecycle.StateName(target)})", decision.Refusal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Transitions_Table_HasExactlyTheExpectedEdges()
    {
        var actual = PluginLifecycle.Transitions.ToDictionary(t => (t.From, t.Trigger), t => t.To);

        Assert.Equal(Expected.OrderBy(e => e.Key).ToList(), actual.OrderBy(e => e.Key).ToList());
    }

    [Theory]
    [MemberData(nameof(EveryState))]
    public void AdministratorActionsFrom_EveryState_AreTheAllowedEnableDisableUnregisterUninstallTriggers(string stateName)
    {
        var state = Enum.Parse<PluginState>(stateName);
        var expected = new (LifecycleTrigger Trigger, PluginAction Action)[]
            {
                (LifecycleTrigger.Enable, PluginAction.Enable),
                (LifecycleTrigger.Disable, PluginAction.Disable),
                (LifecycleTrigger.Unregister, PluginAction.Unregister),
                (LifecycleTrigger.Uninstall, PluginAction.Uninstall),
            }
            .Where(a => Expected.ContainsKey((state, a.Trigger)))
            .Select(a => a.Action);

        Assert.Equal(expected, PluginLifecycle.AdministratorActionsFrom(state));
    }

    public static TheoryData<string> EveryState() => [.. Enum.GetNames<PluginState>()];

    [Fact]
    public void Decide_DisableRegisteredPlugin_RefusalNamesRegisterEnableAndUnregister()
    {
        var decision = PluginLifecycle.Decide(PluginState.Registered, LifecycleTrigger.Disable);

        Assert.Equal(
            "Cannot disable a plugin that is registered. Allowed from registered: register (-> registered), enable (-> active), unregister (-> unregistered), upgrade (-> installed), rollback (-> installed).",
            decision.Refusal);
    }

    [Theory]
    [InlineData("Installed", "installed")]
    [InlineData("Registered", "registered")]
    [InlineData("Active", "active")]
    [InlineData("Disabled", "disabled")]
    [InlineData("Unregistered", "unregistered")]
    public void DatabaseText_StoredState_RoundTrips(string stateName, string text)
    {
        var state = Enum.Parse<PluginState>(stateName);
        Assert.Equal(text, PluginLifecycle.ToDatabase(state));
        Assert.Equal(state, PluginLifecycle.FromDatabase(text));
        Assert.Equal(state, PluginLifecycle.FromProto(PluginLifecycle.ToProto(state)));
    }

    private static (PluginState From, LifecycleTrigger Trigger) Parse(string from, string trigger) =>
        (Enum.Parse<PluginState>(from), Enum.Parse<LifecycleTrigger>(trigger));
}
