using System.CommandLine;
using Fabrix.Cli.Manifests;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.Cli.Plugins;

/// <summary>
/// <c>fabrix plugins versions | upgrade | rollback</c> (issue 3 section 5): every installed manifest version of a
/// plugin, installing a newer one with its permission diff, and pinning an earlier one. After an upgrade or rollback
/// the plugin must register again with the pinned manifest.
/// </summary>
internal static class PluginVersionCommands
{
    public static Command Versions(CliContext context, RegistryOptions options)
    {
        var id = PluginCommands.IdArgument();
        var command = new Command("versions", "List every installed version of a plugin, newest first; the pinned one is the one allowed to register.") { id };
        command.SetAction((parseResult, cancellationToken) => PluginCommands.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var response = await client.ListPluginVersionsAsync(
                new ListPluginVersionsRequest { Id = parseResult.GetRequiredValue(id) }, headers, PluginCommands.Deadline(context), cancellationToken);
            PluginRendering.Versions(context.CreateConsole(), response.Versions);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Upgrade(CliContext context, RegistryOptions options)
    {
        var manifest = new Argument<string>("manifest") { Description = "Manifest file (JSON) of the newer version." };
        var approve = new Option<bool>("--approve") { Description = "Approve the permissions the new version adds (shown as + lines of the diff)." };
        var reason = PluginCommands.ReasonOption();
        var command = new Command("upgrade",
            "Install a newer version of an installed plugin and pin it. Prints the permission diff first; a version that asks for more needs --approve. "
            + "The plugin must then register again with the new manifest.") { manifest, approve, reason };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var file = parseResult.GetRequiredValue(manifest);
            var report = await ManifestFile.ValidateAsync(file, context.CurrentDirectory, cancellationToken);
            if (!report.Valid)
            {
                return await PluginCommands.RejectLocallyAsync(context, file, report);
            }

            return await PluginCommands.RunAsync(context, options, parseResult, async (client, headers) =>
            {
                var request = new UpgradePluginRequest
                {
                    ManifestJson = report.Text!,
                    ApprovePermissions = parseResult.GetValue(approve),
                    Reason = parseResult.GetValue(reason) ?? string.Empty,
                };
                var preview = await client.PreviewUpgradeAsync(request, headers, PluginCommands.Deadline(context), cancellationToken);
                var console = context.CreateConsole();
                var pluginId = ManifestValidator.Validate(report.Text!).Manifest!.Id;
                PluginRendering.Preview(console, pluginId, preview);
                if (preview.Diff.RequiresApproval && !request.ApprovePermissions)
                {
                    await context.Error.WriteLineAsync(
                        $"fabrix: upgrading {pluginId} from {preview.Diff.FromVersion} to {preview.Diff.ToVersion} asks for more permissions (the + lines above), "
                        + $"which need explicit approval. Review them, then run: fabrix plugins upgrade {file} --approve");
                    return ExitCodes.Refused;
                }

                var detail = await client.UpgradePluginAsync(request, headers, PluginCommands.Deadline(context), cancellationToken);
                PluginRendering.Pinned(console, detail);
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    public static Command Rollback(CliContext context, RegistryOptions options)
    {
        var id = PluginCommands.IdArgument();
        var version = new Argument<string>("version") { Description = "An installed version to pin (see fabrix plugins versions <id>)." };
        var reason = PluginCommands.ReasonOption();
        var command = new Command("rollback", "Pin an earlier installed version. The plugin must then register again with that version's manifest.") { id, version, reason };
        command.SetAction((parseResult, cancellationToken) => PluginCommands.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new RollbackPluginRequest
            {
                Id = parseResult.GetRequiredValue(id),
                Version = parseResult.GetRequiredValue(version),
                Reason = parseResult.GetValue(reason) ?? string.Empty,
            };
            var detail = await client.RollbackPluginAsync(request, headers, PluginCommands.Deadline(context), cancellationToken);
            PluginRendering.Pinned(context.CreateConsole(), detail);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
