using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.Collections;
using Spectre.Console;

namespace Fabrix.Cli.Plugins;

/// <summary>Spectre.Console output for <c>plugins list</c>, <c>show</c>, <c>versions</c>, <c>upgrade</c>, <c>rollback</c> and <c>health</c>.</summary>
internal static class PluginRendering
{
    public static void Table(IAnsiConsole console, IReadOnlyList<PluginSummary> plugins)
    {
        if (plugins.Count == 0)
        {
            console.MarkupLine("No plugins.");
            return;
        }

        var table = new Table().AddColumns("ID", "NAME", "VERSION", "STATUS", "HEALTH", "CONTRACTS", "TRAITS", "LAST SEEN");
        foreach (var plugin in plugins.OrderBy(p => p.Id, StringComparer.Ordinal))
        {
            table.AddRow(
                Cell(plugin.Id),
                Cell(plugin.Name),
                Cell(plugin.Version),
                Cell(PluginText.Status(plugin.Status)),
                Cell(PluginText.Health(plugin.Health)),
                Cell(PluginText.List(plugin.Contracts)),
                Cell(PluginText.List(plugin.Traits)),
                Cell(PluginText.Time(plugin.LastSeenAt)));
        }

        console.Write(table);
    }

    public static void Detail(IAnsiConsole console, PluginDetail detail)
    {
        var summary = detail.Summary;
        var facts = new Grid().AddColumn().AddColumn();
        Fact(facts, "ID", summary.Id);
        Fact(facts, "Name", summary.Name);
        Fact(facts, "Version", summary.Version);
        Fact(facts, "Description", string.IsNullOrEmpty(summary.Description) ? "-" : summary.Description);
        Fact(facts, "Status", PluginText.Status(summary.Status));
        Fact(facts, "Health", PluginText.Health(summary.Health));
        Fact(facts, "Contracts", PluginText.List(summary.Contracts));
        Fact(facts, "Traits", PluginText.List(summary.Traits));
        Fact(facts, "Dependencies", PluginText.List(summary.Dependencies));
        Fact(facts, "Dependents", PluginText.List(detail.Dependents));
        Fact(facts, "Pinned version", string.IsNullOrEmpty(detail.PinnedVersion) ? summary.Version : detail.PinnedVersion);
        Fact(facts, "Platform", string.IsNullOrEmpty(detail.PlatformRange) ? "any Fabrix version" : detail.PlatformRange);
        Fact(facts, "Enable on register", detail.EnableOnRegister ? "yes" : "no");
        Fact(facts, "Address", string.IsNullOrEmpty(detail.Address) ? "-" : detail.Address);
        if (!string.IsNullOrEmpty(detail.PreviousAddress))
        {
            Fact(facts, "Previous address", $"{detail.PreviousAddress} (the latest registration came from a new address)");
        }

        Fact(facts, "Registration credential", Credential(detail.RegistrationCredential));
        Fact(facts, "Installed", PluginText.Time(summary.InstalledAt));
        Fact(facts, "Registered", PluginText.Time(summary.RegisteredAt));
        Fact(facts, "Last seen", PluginText.Time(summary.LastSeenAt));
        Fact(facts, "Updated", PluginText.Time(detail.UpdatedAt));
        Fact(facts, "Manifest digest", detail.ManifestDigest);
        Fact(facts, "Token", detail.Token is null
            ? "none issued"
            : $"key {detail.Token.KeyId}, issued {PluginText.Time(detail.Token.IssuedAt)}, expires {PluginText.Time(detail.Token.ExpiresAt)}");
        console.Write(facts);

        console.WriteLine();
        var history = new Table().Title("Lifecycle history").AddColumns("AT", "FROM", "TO", "ACTOR", "REASON");
        foreach (var change in detail.History)
        {
            history.AddRow(
                Cell(PluginText.Time(change.At)),
                Cell(change.FromStatus == PluginStatus.Unspecified ? "-" : PluginText.Status(change.FromStatus)),
                Cell(PluginText.Status(change.ToStatus)),
                Cell(change.Actor),
                Cell(string.IsNullOrEmpty(change.Reason) ? "-" : change.Reason));
        }

        console.Write(history);
        if (detail.Versions.Count > 0)
        {
            console.WriteLine();
            console.Write(VersionTable(detail.Versions).Title("Versions"));
        }

        console.WriteLine();
        console.MarkupLine("[bold]Manifest[/]");
        console.WriteLine(PluginCommands.Pretty(detail.ManifestJson));
    }

    private static string Credential(RegistrationCredentialInfo? credential)
    {
        if (credential is null || string.IsNullOrEmpty(credential.CredentialId))
        {
            return "none (fabrix plugins credential rotate issues one)";
        }

        var text = $"{credential.CredentialId}, issued {PluginText.Time(credential.IssuedAt)} by {credential.IssuedBy}";
        text += credential.LastUsedAt is null ? ", never used" : $", last used {PluginText.Time(credential.LastUsedAt)}";
        return credential.RevokedAt is null ? text : $"{text}, REVOKED {PluginText.Time(credential.RevokedAt)} by {credential.RevokedBy}";
    }

    /// <summary>The <c>plugins versions</c> table: newest first as the registry sends them.</summary>
    public static void Versions(IAnsiConsole console, RepeatedField<PluginVersionInfo> versions)
    {
        if (versions.Count == 0)
        {
            console.MarkupLine("No versions.");
            return;
        }

        console.Write(VersionTable(versions));
    }

    /// <summary>The permission diff of an upgrade, its warnings, and what would stop it.</summary>
    public static void Preview(IAnsiConsole console, string pluginId, UpgradePreview preview)
    {
        var diff = preview.Diff;
        console.MarkupLine($"Permission diff for [bold]{Markup.Escape(pluginId)}[/] {Markup.Escape(diff.FromVersion)} → {Markup.Escape(diff.ToVersion)}:");
        if (diff.Lines.Count == 0)
        {
            console.MarkupLine("  (no changes)");
        }

        foreach (var line in diff.Lines)
        {
            console.WriteLine("  " + line);
        }

        console.MarkupLine(diff.RequiresApproval
            ? "Needs approval: [bold]yes[/] (adds traits, data classifications, allowed domains or dependencies)."
            : "Needs approval: no.");
        foreach (var warning in preview.Warnings)
        {
            console.MarkupLine($"  [yellow]warning[/] [bold]{Markup.Escape(warning.Path)}[/]: {Markup.Escape(warning.Message)}");
        }

        if (!preview.PlatformCompatible)
        {
            console.MarkupLine($"[red]Incompatible platform:[/] {Markup.Escape(preview.PlatformReason)}");
        }

        if (preview.MissingDependencies.Count > 0)
        {
            console.MarkupLine($"[red]Dependencies not installed:[/] {Markup.Escape(PluginText.List(preview.MissingDependencies))}");
        }
    }

    /// <summary>After an upgrade or rollback: what is pinned now and what the plugin has to do (the registry's own words).</summary>
    public static void Pinned(IAnsiConsole console, PluginDetail detail)
    {
        var summary = detail.Summary;
        var reason = detail.History.Count > 0 ? detail.History[^1].Reason : string.Empty;
        console.MarkupLine($"[bold]{Markup.Escape(summary.Id)}[/]: {Markup.Escape(reason)}.");
        console.MarkupLine($"Pinned version {Markup.Escape(detail.PinnedVersion)} (digest {Markup.Escape(DigestPrefix(detail.ManifestDigest))}), status {PluginText.Status(summary.Status)}"
            + (detail.EnableOnRegister ? "; it becomes active again when it registers." : "; enable it after it registers."));
    }

    /// <summary>The <c>plugins health</c> view: the current state, then samples and state changes, newest first as the registry sends them.</summary>
    public static void Health(IAnsiConsole console, PluginHealth health)
    {
        var facts = new Grid().AddColumn().AddColumn();
        Fact(facts, "Plugin", health.PluginId);
        Fact(facts, "State", PluginText.Health(health.State));
        Fact(facts, "Since", PluginText.Time(health.Since));
        Fact(facts, "Monitoring", string.IsNullOrEmpty(health.Monitoring) ? "-" : health.Monitoring);
        Fact(facts, "Consecutive failures", PluginText.Count(health.ConsecutiveFailures));
        Fact(facts, "Consecutive successes", PluginText.Count(health.ConsecutiveSuccesses));
        Fact(facts, "Last heartbeat", PluginText.Time(health.LastHeartbeatAt));
        console.Write(facts);

        console.WriteLine();
        console.MarkupLine("[bold]Recent samples[/] (newest first)");
        if (health.Samples.Count == 0)
        {
            console.MarkupLine("No samples yet.");
        }
        else
        {
            var samples = new Table().AddColumns("AT", "SOURCE", "RESULT", "LATENCY", "STATE AFTER", "ERROR", "METRICS");
            foreach (var sample in health.Samples)
            {
                samples.AddRow(
                    Cell(PluginText.Time(sample.At)),
                    Cell(sample.Source),
                    Cell(sample.Success ? "ok" : "fail"),
                    Cell(PluginText.Latency(sample)),
                    Cell(PluginText.Health(sample.StateAfter)),
                    Cell(string.IsNullOrEmpty(sample.Error) ? "-" : sample.Error),
                    Cell(PluginText.Metrics(sample.Metrics)));
            }

            console.Write(samples);
        }

        console.WriteLine();
        console.MarkupLine("[bold]State changes[/] (newest first)");
        if (health.Transitions.Count == 0)
        {
            console.MarkupLine("No state changes yet.");
        }
        else
        {
            var transitions = new Table().AddColumns("AT", "CHANGE", "REASON");
            foreach (var transition in health.Transitions)
            {
                transitions.AddRow(
                    Cell(PluginText.Time(transition.At)),
                    Cell($"{PluginText.Health(transition.FromState)} -> {PluginText.Health(transition.ToState)}"),
                    Cell(string.IsNullOrEmpty(transition.Reason) ? "-" : transition.Reason));
            }

            console.Write(transitions);
        }
    }

    private static Table VersionTable(IEnumerable<PluginVersionInfo> versions)
    {
        var table = new Table().AddColumns("VERSION", "DIGEST", "INSTALLED AT", "INSTALLED BY", "PINNED");
        foreach (var version in versions)
        {
            table.AddRow(
                Cell(version.Version),
                Cell(DigestPrefix(version.ManifestDigest)),
                Cell(PluginText.Time(version.InstalledAt)),
                Cell(version.InstalledBy),
                Cell(version.Pinned ? "pinned" : string.Empty));
        }

        return table;
    }

    /// <summary>The first 12 hex digits: enough to tell versions apart at a glance.</summary>
    private static string DigestPrefix(string digest) => digest.Length > 12 ? digest[..12] : digest;

    private static void Fact(Grid grid, string name, string value) => grid.AddRow(new Markup($"[bold]{Markup.Escape(name)}[/]"), Cell(value));

    private static Text Cell(string value) => new(value);
}
