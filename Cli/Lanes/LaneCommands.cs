using System.CommandLine;
using System.Globalization;
using Fabrix.Cli.Plugins;
using Fabrix.Contracts.Policy.V1;
using Spectre.Console;

namespace Fabrix.Cli.Lanes;

/// <summary>
/// <c>fabrix lanes status</c> (each lane instance's revision, staleness and audit buffer, the registry's revision and
/// decision-ingest backlog, and the switches) and <c>fabrix lanes switch NAME on|off --reason TEXT</c> (role admin).
/// </summary>
internal static class LaneCommands
{
    /// <summary>Switch names on the command line.</summary>
    private static readonly (string Name, PolicySwitchName Switch)[] s_switches =
    [
        ("operator", PolicySwitchName.LaneOperator),
        ("canonical", PolicySwitchName.LaneCanonical),
        ("proxy", PolicySwitchName.LaneProxy),
        ("egress-kill", PolicySwitchName.EgressKill),
    ];

    public static Command Build(CliContext context)
    {
        var options = new RegistryOptions();
        var lanes = new Command("lanes", "Lane status and the global lane switches on a running registry.");
        options.AddTo(lanes);
        lanes.Subcommands.Add(Status(context, options));
        lanes.Subcommands.Add(Switch(context, options));
        return lanes;
    }

    public static string SwitchName(PolicySwitchName name) => s_switches.FirstOrDefault(s => s.Switch == name).Name ?? name.ToString();

    private static Command Status(CliContext context, RegistryOptions options)
    {
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("status", "Show each lane instance's policy revision, staleness and audit buffer, and the switches.") { json };
        command.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var status = await client.ListLaneStatusAsync(new ListLaneStatusRequest(), headers, PolicyAdminCall.Deadline(context), cancellationToken);
            var switches = await client.ListPolicySwitchesAsync(new ListPolicySwitchesRequest(), headers, PolicyAdminCall.Deadline(context), cancellationToken);
            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync($"{{\"status\":{PolicyAdminCall.Json(status)},\"switches\":{PolicyAdminCall.Json(switches)}}}");
                return ExitCodes.Ok;
            }

            var console = context.CreateConsole();
            var backlog = status.HasAuditIngestBacklog ? status.AuditIngestBacklog.ToString(CultureInfo.InvariantCulture) : "unknown";
            console.WriteLine($"Registry revision {status.Revision}; audit ingest backlog {backlog}.");
            if (status.Lanes.Count == 0)
            {
                console.WriteLine("No lane has reported.");
            }
            else
            {
                var table = new Table().AddColumns("SERVICE", "INSTANCE", "REVISION", "USABLE", "STALENESS", "AUDIT BUFFER", "DROPPED", "REPORTED");
                foreach (var lane in status.Lanes)
                {
                    table.AddRow(
                        new Text(lane.Service),
                        new Text(lane.InstanceId),
                        new Text(lane.Revision.ToString(CultureInfo.InvariantCulture)),
                        new Text(lane.Usable ? "yes" : "NO"),
                        new Text(lane.HasStalenessSeconds ? Seconds(lane.StalenessSeconds) : "-"),
                        new Text(lane.HasAuditBufferDepth ? lane.AuditBufferDepth.ToString(CultureInfo.InvariantCulture) : "-"),
                        new Text(lane.HasAuditDropped ? lane.AuditDropped.ToString(CultureInfo.InvariantCulture) : "-"),
                        new Text(Seconds(lane.AgeSeconds) + " ago"));
                }

                console.Write(table);
            }

            var switchTable = new Table().AddColumns("SWITCH", "STATE", "SET BY", "SET AT", "REASON");
            foreach (var item in switches.Switches)
            {
                switchTable.AddRow(new Text(SwitchName(item.Name)), new Text(item.On ? "on" : "off"), new Text(item.SetBy), new Text(PluginText.Time(item.SetAt)),
                    new Text(item.Reason));
            }

            console.Write(switchTable);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Switch(CliContext context, RegistryOptions options)
    {
        var name = new Argument<string>("name") { Description = "The switch: operator, canonical, proxy (a lane), or egress-kill." };
        name.AcceptOnlyFromAmong([.. s_switches.Select(s => s.Name)]);
        var state = new Argument<string>("state") { Description = "on or off." };
        state.AcceptOnlyFromAmong("on", "off");
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("switch", "Turn a lane (or the egress kill switch) on or off. Needs the admin role.") { name, state, reason, json };
        command.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new SetPolicySwitchRequest
            {
                Name = s_switches.Single(s => s.Name == parseResult.GetRequiredValue(name)).Switch,
                On = parseResult.GetRequiredValue(state) == "on",
                Reason = parseResult.GetValue(reason) ?? string.Empty,
            };
            var stored = await client.SetPolicySwitchAsync(request, headers, PolicyAdminCall.Deadline(context), cancellationToken);
            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(PolicyAdminCall.Json(stored));
                return ExitCodes.Ok;
            }

            context.CreateConsole().WriteLine($"{SwitchName(stored.Name)} is {(stored.On ? "on" : "off")} (set by {stored.SetBy}: {stored.Reason}).");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Seconds(double seconds) => seconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
}
