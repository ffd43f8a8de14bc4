using System.CommandLine;
using Fabrix.Cli.Lanes;
using Fabrix.Cli.Plugins;
using Fabrix.Contracts.Policy.V1;
using Spectre.Console;

namespace Fabrix.Cli.Gateway;

/// <summary>
/// <c>fabrix gateway grants list|add|revoke</c> (issue 10 section 6): administrator-granted Operator lane access
/// caller → target, on top of the caller's manifest dependencies. Adding and revoking need admin or plugin_manager.
/// </summary>
internal static class GrantCommands
{
    public static Command Build(CliContext context, RegistryOptions options)
    {
        var grants = new Command("grants", "Operator lane grants: which plugin may call which, beyond its manifest dependencies.");
        grants.Subcommands.Add(List(context, options));
        grants.Subcommands.Add(Change(context, options, "add", "Grant CALLER access to TARGET on the Operator lane."));
        grants.Subcommands.Add(Change(context, options, "revoke", "Revoke CALLER's granted access to TARGET."));
        return grants;
    }

    private static Command List(CliContext context, RegistryOptions options)
    {
        var plugin = new Option<string?>("--plugin") { Description = "Only grants whose caller or target is this plugin." };
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("list", "List the grants.") { plugin, json };
        command.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var response = await client.ListOperatorGrantsAsync(new ListOperatorGrantsRequest { PluginId = parseResult.GetValue(plugin) ?? string.Empty }, headers,
                PolicyAdminCall.Deadline(context), cancellationToken);
            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(PolicyAdminCall.Json(response));
                return ExitCodes.Ok;
            }

            var console = context.CreateConsole();
            if (response.Grants.Count == 0)
            {
                console.WriteLine("No grants.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("CALLER", "TARGET", "GRANTED BY", "GRANTED AT", "REASON");
            foreach (var grant in response.Grants)
            {
                table.AddRow(new Text(grant.Caller), new Text(grant.Target), new Text(grant.GrantedBy), new Text(PluginText.Time(grant.GrantedAt)), new Text(grant.Reason));
            }

            console.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Change(CliContext context, RegistryOptions options, string name, string description)
    {
        var caller = new Argument<string>("caller") { Description = "Calling plugin id." };
        var target = new Argument<string>("target") { Description = "Called plugin id." };
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command(name, description) { caller, target, reason, json };
        command.SetAction((parseResult, cancellationToken) => PolicyAdminCall.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var (from, to, why) = (parseResult.GetRequiredValue(caller), parseResult.GetRequiredValue(target), parseResult.GetValue(reason) ?? string.Empty);
            if (name == "add")
            {
                var grant = await client.GrantOperatorAccessAsync(new GrantOperatorAccessRequest { Caller = from, Target = to, Reason = why }, headers,
                    PolicyAdminCall.Deadline(context), cancellationToken);
                await (parseResult.GetValue(json)
                    ? context.Out.WriteLineAsync(PolicyAdminCall.Json(grant))
                    : context.Out.WriteLineAsync($"Granted {grant.Caller} -> {grant.Target} (by {grant.GrantedBy})."));
                return ExitCodes.Ok;
            }

            var revoked = await client.RevokeOperatorAccessAsync(new RevokeOperatorAccessRequest { Caller = from, Target = to, Reason = why }, headers,
                PolicyAdminCall.Deadline(context), cancellationToken);
            await (parseResult.GetValue(json)
                ? context.Out.WriteLineAsync(PolicyAdminCall.Json(revoked))
                : context.Out.WriteLineAsync($"Revoked {from} -> {to}."));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
