using System.CommandLine;
using System.Globalization;
using Fabrix.Cli.Lanes;
using Fabrix.Cli.Plugins;
using Fabrix.Contracts.Policy.V1;
using Spectre.Console;

namespace Fabrix.Cli.Egress;

/// <summary>
/// The Proxy lane's administration on a running registry (issue 12 section 4): <c>fabrix egress status</c> (the lane
/// switch, the kill switch, the deny list, per-plugin mode and quotas), <c>egress lane on|off</c> (the Proxy lane's
/// switch; admin), <c>egress kill on|off</c> (the egress kill switch; admin), <c>egress mode PLUGIN enforce|report</c>,
/// <c>egress quota PLUGIN</c> and <c>egress deny add|remove|list</c> (admin or plugin_manager change; any
/// administrator role lists). The registry checks every role; these commands only ask.
/// </summary>
internal static class EgressAdminCommands
{
    public static IEnumerable<Command> Build(CliContext context, RegistryOptions options) =>
        [Status(context, options), Switch(context, options, "lane", PolicySwitchName.LaneProxy), Switch(context, options, "kill", PolicySwitchName.EgressKill),
            Mode(context, options), Quota(context, options), Deny(context, options)];

    private static Command Status(CliContext context, RegistryOptions options)
    {
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("status", "Show the Proxy lane switch, the egress kill switch, the deny list, and each plugin's mode and quotas.") { json };
        command.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var switches = await client.ListPolicySwitchesAsync(new ListPolicySwitchesRequest(), headers, PolicyAdminCall.Deadline(context), cancellationToken);
            var denied = await client.ListDeniedDomainsAsync(new ListDeniedDomainsRequest(), headers, PolicyAdminCall.Deadline(context), cancellationToken);
            var limits = await client.ListLaneLimitsAsync(new ListLaneLimitsRequest(), headers, PolicyAdminCall.Deadline(context), cancellationToken);
            var proxyLimits = new ListLaneLimitsResponse();
            proxyLimits.Limits.Add(limits.Limits.Where(l => l.Limits?.Proxy is not null));
            var lane = switches.Switches.FirstOrDefault(s => s.Name == PolicySwitchName.LaneProxy);
            var kill = switches.Switches.FirstOrDefault(s => s.Name == PolicySwitchName.EgressKill);
            if (parseResult.GetValue(json))
            {
                var laneSwitch = lane is null ? "null" : PolicyAdminCall.Json(lane);
                var killSwitch = kill is null ? "null" : PolicyAdminCall.Json(kill);
                await context.Out.WriteLineAsync(
                    $"{{\"lane\":{laneSwitch},\"kill_switch\":{killSwitch},\"deny_list\":{PolicyAdminCall.Json(denied)},\"limits\":{PolicyAdminCall.Json(proxyLimits)}}}");
                return ExitCodes.Ok;
            }

            var console = context.CreateConsole();
            console.WriteLine($"Proxy lane: {SwitchText(lane, "on", "OFF")}");
            console.WriteLine($"Egress kill switch: {SwitchText(kill, "ON (every request refused)", "off")}");
            if (denied.DeniedDomains.Count == 0)
            {
                console.WriteLine("Deny list: empty (the proxy's configured deny list still applies).");
            }
            else
            {
                var table = new Table().AddColumns("DENIED", "ADDED BY", "ADDED AT", "REASON");
                foreach (var entry in denied.DeniedDomains)
                {
                    table.AddRow(new Text(entry.Pattern), new Text(entry.AddedBy), new Text(PluginText.Time(entry.AddedAt)), new Text(entry.Reason));
                }

                console.Write(table);
            }

            if (proxyLimits.Limits.Count == 0)
            {
                console.WriteLine("No Proxy lane overrides: every plugin has the proxy's default mode and quotas.");
                return ExitCodes.Ok;
            }

            var limitTable = new Table().AddColumns("PLUGIN", "MODE", "REQUESTS/S", "BURST", "BYTES/S", "SET BY", "REASON");
            foreach (var entry in proxyLimits.Limits)
            {
                var proxy = entry.Limits.Proxy;
                limitTable.AddRow(new Text(entry.PluginId), new Text(ModeText(proxy.Mode)),
                    new Text(proxy.HasRequestsPerSecond ? proxy.RequestsPerSecond.ToString("0.###", CultureInfo.InvariantCulture) : "default"),
                    new Text(proxy.HasBurst ? proxy.Burst.ToString(CultureInfo.InvariantCulture) : "default"),
                    new Text(proxy.HasBytesPerSecond ? proxy.BytesPerSecond.ToString(CultureInfo.InvariantCulture) : "default"),
                    new Text(entry.SetBy), new Text(entry.Reason));
            }

            console.Write(limitTable);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Switch(CliContext context, RegistryOptions options, string name, PolicySwitchName which)
    {
        var state = new Argument<string>("state") { Description = "on or off." };
        state.AcceptOnlyFromAmong("on", "off");
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var description = which == PolicySwitchName.LaneProxy
            ? "Turn the Proxy lane on or off (off: every egress request is refused). Needs the admin role."
            : "Turn the egress kill switch on (every egress request is refused) or off. Needs the admin role.";
        var command = new Command(name, description) { state, reason, json };
        command.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var stored = await client.SetPolicySwitchAsync(
                new SetPolicySwitchRequest { Name = which, On = parseResult.GetRequiredValue(state) == "on", Reason = parseResult.GetValue(reason) ?? string.Empty },
                headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await (parseResult.GetValue(json)
                ? context.Out.WriteLineAsync(PolicyAdminCall.Json(stored))
                : context.Out.WriteLineAsync($"{LaneCommands.SwitchName(stored.Name)} is {(stored.On ? "on" : "off")} (set by {stored.SetBy}: {stored.Reason})."));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Mode(CliContext context, RegistryOptions options)
    {
        var plugin = PluginCommands.IdArgument();
        var mode = new Argument<string>("mode") { Description = "enforce (refuse what the allowlist does not allow) or report (allow, and audit what enforce would refuse)." };
        mode.AcceptOnlyFromAmong("enforce", "report");
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("mode", "Set a plugin's Proxy lane mode; its quotas stay as they are.") { plugin, mode, reason, json };
        command.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var id = parseResult.GetRequiredValue(plugin);
            var proxy = await CurrentAsync(client, headers, context, id, cancellationToken);
            proxy.Mode = parseResult.GetRequiredValue(mode) == "report" ? ProxyMode.Report : ProxyMode.Enforce;
            var stored = await client.SetLaneLimitsAsync(new SetLaneLimitsRequest { PluginId = id, Proxy = proxy, Reason = parseResult.GetValue(reason) ?? string.Empty },
                headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await (parseResult.GetValue(json)
                ? context.Out.WriteLineAsync(PolicyAdminCall.Json(stored))
                : context.Out.WriteLineAsync($"{id}: Proxy lane mode {ModeText(stored.Limits.Proxy.Mode)} (set by {stored.SetBy})."));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Quota(CliContext context, RegistryOptions options)
    {
        var plugin = PluginCommands.IdArgument();
        var rps = new Option<double?>("--rps") { Description = "Requests and tunnels per second (token refill rate); unset: the proxy's default." };
        var burst = new Option<int?>("--burst") { Description = "Requests and tunnels at once (bucket size); unset: the proxy's default." };
        var bytes = new Option<long?>("--bytes-per-second") { Description = "Bandwidth, both directions together; unset: the proxy's default." };
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("quota", "Set a plugin's Proxy lane quotas (replacing its previous quotas); its mode stays as it is.") { plugin, rps, burst, bytes, reason, json };
        command.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var id = parseResult.GetRequiredValue(plugin);
            var current = await CurrentAsync(client, headers, context, id, cancellationToken);
            var proxy = new ProxyLaneLimits { Mode = current.Mode };
            if (parseResult.GetValue(rps) is { } rate)
            {
                proxy.RequestsPerSecond = rate;
            }

            if (parseResult.GetValue(burst) is { } size)
            {
                proxy.Burst = size;
            }

            if (parseResult.GetValue(bytes) is { } bandwidth)
            {
                proxy.BytesPerSecond = bandwidth;
            }

            var stored = await client.SetLaneLimitsAsync(new SetLaneLimitsRequest { PluginId = id, Proxy = proxy, Reason = parseResult.GetValue(reason) ?? string.Empty },
                headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await (parseResult.GetValue(json)
                ? context.Out.WriteLineAsync(PolicyAdminCall.Json(stored))
                : context.Out.WriteLineAsync($"{id}: Proxy lane quotas set (set by {stored.SetBy})."));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Deny(CliContext context, RegistryOptions options)
    {
        var deny = new Command("deny", "The global egress deny list: host names and *.suffix patterns no plugin may reach.");
        var json = PolicyAdminCall.JsonOption();
        var list = new Command("list", "List the deny list.") { json };
        list.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var response = await client.ListDeniedDomainsAsync(new ListDeniedDomainsRequest(), headers, PolicyAdminCall.Deadline(context), cancellationToken);
            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(PolicyAdminCall.Json(response));
                return ExitCodes.Ok;
            }

            var console = context.CreateConsole();
            if (response.DeniedDomains.Count == 0)
            {
                console.WriteLine("The deny list is empty.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("DENIED", "ADDED BY", "ADDED AT", "REASON");
            foreach (var entry in response.DeniedDomains)
            {
                table.AddRow(new Text(entry.Pattern), new Text(entry.AddedBy), new Text(PluginText.Time(entry.AddedAt)), new Text(entry.Reason));
            }

            console.Write(table);
            return ExitCodes.Ok;
        }));

        deny.Subcommands.Add(DenyChange(context, options, add: true));
        deny.Subcommands.Add(DenyChange(context, options, add: false));
        deny.Subcommands.Add(list);
        return deny;
    }

    private static Command DenyChange(CliContext context, RegistryOptions options, bool add)
    {
        var pattern = new Argument<string>("pattern") { Description = "A host name (api.example.com) or *.suffix (*.example.com)." };
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command(add ? "add" : "remove", add ? "Add a pattern to the deny list." : "Remove a pattern from the deny list.") { pattern, reason, json };
        command.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var text = parseResult.GetRequiredValue(pattern);
            var why = parseResult.GetValue(reason) ?? string.Empty;
            if (add)
            {
                var stored = await client.AddDeniedDomainAsync(new AddDeniedDomainRequest { Pattern = text, Reason = why }, headers, PolicyAdminCall.Deadline(context),
                    cancellationToken);
                await (parseResult.GetValue(json)
                    ? context.Out.WriteLineAsync(PolicyAdminCall.Json(stored))
                    : context.Out.WriteLineAsync($"{stored.Pattern} is denied (added by {stored.AddedBy}: {stored.Reason})."));
            }
            else
            {
                var response = await client.RemoveDeniedDomainAsync(new RemoveDeniedDomainRequest { Pattern = text, Reason = why }, headers,
                    PolicyAdminCall.Deadline(context), cancellationToken);
                await (parseResult.GetValue(json)
                    ? context.Out.WriteLineAsync(PolicyAdminCall.Json(response))
                    : context.Out.WriteLineAsync($"{text} is no longer denied."));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The plugin's current Proxy lane override (a fresh one when it has none), so a mode or quota change keeps the other part.</summary>
    private static async Task<ProxyLaneLimits> CurrentAsync(PolicyAdmin.PolicyAdminClient client, Grpc.Core.Metadata headers, CliContext context, string pluginId,
        CancellationToken cancellationToken)
    {
        var all = await client.ListLaneLimitsAsync(new ListLaneLimitsRequest(), headers, PolicyAdminCall.Deadline(context), cancellationToken);
        return all.Limits.FirstOrDefault(l => l.PluginId == pluginId)?.Limits?.Proxy?.Clone() ?? new ProxyLaneLimits();
    }

    private static string SwitchText(PolicySwitch? item, string on, string off) =>
        item is null ? "unknown" : $"{(item.On ? on : off)} (set by {item.SetBy}{(item.Reason.Length == 0 ? string.Empty : ": " + item.Reason)})";

    private static string ModeText(ProxyMode mode) => mode switch
    {
        ProxyMode.Report => "report",
        ProxyMode.Enforce => "enforce",
        _ => "default",
    };
}
