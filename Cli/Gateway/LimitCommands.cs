using System.CommandLine;
using System.Globalization;
using Fabrix.Cli.Lanes;
using Fabrix.Cli.Plugins;
using Fabrix.Contracts.Policy.V1;
using Spectre.Console;

namespace Fabrix.Cli.Gateway;

/// <summary>
/// <c>fabrix gateway limits list|set|clear</c> (issue 10 sections 4 and 6): a plugin's Operator lane rate limit
/// override (token bucket). An unset field keeps the gateway's configured default. Setting and clearing need admin or
/// plugin_manager; the other lanes' overrides of the plugin are left as they are.
/// </summary>
internal static class LimitCommands
{
    public static Command Build(CliContext context, RegistryOptions options)
    {
        var limits = new Command("limits", "Per-plugin Operator lane rate limit overrides.");
        limits.Subcommands.Add(List(context, options));
        limits.Subcommands.Add(Set(context, options));
        limits.Subcommands.Add(Clear(context, options));
        return limits;
    }

    private static Command List(CliContext context, RegistryOptions options)
    {
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("list", "List the plugins with Operator lane overrides.") { json };
        command.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var response = await client.ListLaneLimitsAsync(new ListLaneLimitsRequest(), headers, PolicyAdminCall.Deadline(context), cancellationToken);
            var operatorLimits = response.Limits.Where(l => l.Limits?.Operator is not null).ToList();
            if (parseResult.GetValue(json))
            {
                var filtered = new ListLaneLimitsResponse();
                filtered.Limits.Add(operatorLimits);
                await context.Out.WriteLineAsync(PolicyAdminCall.Json(filtered));
                return ExitCodes.Ok;
            }

            var console = context.CreateConsole();
            if (operatorLimits.Count == 0)
            {
                console.WriteLine("No Operator lane overrides: every plugin has the gateway's defaults.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("PLUGIN", "REQUESTS/S", "BURST", "SET BY", "SET AT", "REASON");
            foreach (var entry in operatorLimits)
            {
                table.AddRow(new Text(entry.PluginId), new Text(Rate(entry.Limits.Operator)), new Text(Burst(entry.Limits.Operator)), new Text(entry.SetBy),
                    new Text(PluginText.Time(entry.SetAt)), new Text(entry.Reason));
            }

            console.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Set(CliContext context, RegistryOptions options)
    {
        var plugin = PluginCommands.IdArgument();
        var rps = new Option<double?>("--rps") { Description = "Requests per second the plugin may make through the gateway (token refill rate)." };
        var burst = new Option<int?>("--burst") { Description = "Bucket size: requests allowed at once." };
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("set", "Set a plugin's Operator lane rate limit (replaces its previous Operator override).") { plugin, rps, burst, reason, json };
        command.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var limits = new OperatorLaneLimits();
            if (parseResult.GetValue(rps) is { } rate)
            {
                limits.RequestsPerSecond = rate;
            }

            if (parseResult.GetValue(burst) is { } size)
            {
                limits.Burst = size;
            }

            var stored = await client.SetLaneLimitsAsync(
                new SetLaneLimitsRequest { PluginId = parseResult.GetRequiredValue(plugin), Operator = limits, Reason = parseResult.GetValue(reason) ?? string.Empty },
                headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await (parseResult.GetValue(json)
                ? context.Out.WriteLineAsync(PolicyAdminCall.Json(stored))
                : context.Out.WriteLineAsync(
                    $"{stored.PluginId}: Operator lane {Rate(stored.Limits.Operator)} requests/s, burst {Burst(stored.Limits.Operator)} (set by {stored.SetBy})."));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Clear(CliContext context, RegistryOptions options)
    {
        var plugin = PluginCommands.IdArgument();
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("clear", "Clear a plugin's Operator lane override: the gateway's defaults apply again.") { plugin, reason, json };
        command.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var id = parseResult.GetRequiredValue(plugin);
            var response = await client.ClearLaneLimitsAsync(
                new ClearLaneLimitsRequest { PluginId = id, Lane = LaneKind.Operator, Reason = parseResult.GetValue(reason) ?? string.Empty },
                headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await (parseResult.GetValue(json)
                ? context.Out.WriteLineAsync(PolicyAdminCall.Json(response))
                : context.Out.WriteLineAsync($"{id}: Operator lane limits are the gateway's defaults."));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Rate(OperatorLaneLimits? limits) =>
        limits is { HasRequestsPerSecond: true } ? limits.RequestsPerSecond.ToString("0.###", CultureInfo.InvariantCulture) : "default";

    private static string Burst(OperatorLaneLimits? limits) =>
        limits is { HasBurst: true } ? limits.Burst.ToString(CultureInfo.InvariantCulture) : "default";
}
