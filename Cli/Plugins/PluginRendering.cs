using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.Collections;
using Spectre.Console;

namespace Fabrix.Cli.Plugins;

/// <summary>Spectre.Console tables for <c>plugins list</c> and <c>plugins show</c>.</summary>
internal static class PluginRendering
{
    public static void Table(IAnsiConsole console, RepeatedField<PluginSummary> plugins)
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
        Fact(facts, "Enable on register", detail.EnableOnRegister ? "yes" : "no");
        Fact(facts, "Address", string.IsNullOrEmpty(detail.Address) ? "-" : detail.Address);
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
        console.WriteLine();
        console.MarkupLine("[bold]Manifest[/]");
        console.WriteLine(PluginCommands.Pretty(detail.ManifestJson));
    }

    private static void Fact(Grid grid, string name, string value) => grid.AddRow(new Markup($"[bold]{Markup.Escape(name)}[/]"), Cell(value));

    private static Text Cell(string value) => new(value);
}
