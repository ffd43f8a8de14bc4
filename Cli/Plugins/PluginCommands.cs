using System.CommandLine;
using System.Text.Json;
using Fabrix.Cli.Manifests;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Spectre.Console;

namespace Fabrix.Cli.Plugins;

/// <summary>
/// <c>fabrix plugins list | show | install | enable | disable | unregister | uninstall</c> (plus <c>credential rotate | revoke</c>,
/// <c>rotate-push-secret</c> of <see cref="PluginPushSecretCommand"/>, and the version commands of
/// <see cref="PluginVersionCommands"/>, and <c>health</c> of <see cref="PluginHealthCommand"/>) against a running
/// registry over gRPC (the RegistryAdmin service of <c>Contracts/fabrix/registry/v1/registry.proto</c>).
/// </summary>
internal static class PluginCommands
{
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(30);

    public static Command Build(CliContext context)
    {
        var options = new RegistryOptions();
        var plugins = new Command("plugins", "Manage plugins on a running registry.");
        options.AddTo(plugins);

        plugins.Subcommands.Add(List(context, options));
        plugins.Subcommands.Add(Show(context, options));
        plugins.Subcommands.Add(Install(context, options));
        plugins.Subcommands.Add(Transition(context, options, "enable", "Enable a registered or disabled plugin (-> active).", cascades: false, (c, r, h, t) => c.EnablePluginAsync(r, h, cancellationToken: t).ResponseAsync));
        plugins.Subcommands.Add(Transition(context, options, "disable", "Disable an active plugin (-> disabled).", cascades: true, (c, r, h, t) => c.DisablePluginAsync(r, h, cancellationToken: t).ResponseAsync));
        plugins.Subcommands.Add(Transition(context, options, "unregister", "Unregister a plugin (-> unregistered).", cascades: true, (c, r, h, t) => c.UnregisterPluginAsync(r, h, cancellationToken: t).ResponseAsync));
        plugins.Subcommands.Add(Uninstall(context, options));
        plugins.Subcommands.Add(PluginVersionCommands.Versions(context, options));
        plugins.Subcommands.Add(PluginVersionCommands.Upgrade(context, options));
        plugins.Subcommands.Add(PluginVersionCommands.Rollback(context, options));
        plugins.Subcommands.Add(PluginHealthCommand.Build(context, options));
        plugins.Subcommands.Add(PluginCredentialCommands.Build(context, options));
        plugins.Subcommands.Add(PluginPushSecretCommand.Build(context, options));
        return plugins;
    }

    private static Command List(CliContext context, RegistryOptions options)
    {
        var status = new Option<string?>("--status") { Description = "Only plugins with this status." };
        status.AcceptOnlyFromAmong([.. PluginText.StatusNames]);
        var search = new Option<string?>("--search") { Description = "Only plugins whose id or name contains this text." };
        var command = new Command("list", "List installed plugins.") { status, search };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new ListPluginsRequest { Status = PluginText.ParseStatus(parseResult.GetValue(status)), Search = parseResult.GetValue(search) ?? string.Empty };
            var plugins = await PluginPages.AllAsync(client, request, headers, () => Deadline(context), cancellationToken);
            PluginRendering.Table(context.CreateConsole(), plugins);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show(CliContext context, RegistryOptions options)
    {
        var id = IdArgument();
        var command = new Command("show", "Show one plugin: status, manifest, lifecycle history and token metadata.") { id };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var detail = await client.GetPluginAsync(new GetPluginRequest { Id = parseResult.GetRequiredValue(id) }, headers, Deadline(context), cancellationToken);
            PluginRendering.Detail(context.CreateConsole(), detail);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Install(CliContext context, RegistryOptions options)
    {
        var manifest = new Argument<string>("manifest") { Description = "Manifest file (JSON) to approve." };
        var enableOnRegister = new Option<bool>("--enable-on-register") { Description = "Make the plugin active as soon as it registers." };
        var json = PluginCredentialCommands.JsonOption();
        var command = new Command("install",
            "Install (approve) a plugin manifest. The manifest is validated locally first. Prints the plugin's registration credential, once.")
        {
            manifest, enableOnRegister, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var file = parseResult.GetRequiredValue(manifest);
            var report = await ManifestFile.ValidateAsync(file, context.CurrentDirectory, cancellationToken);
            if (!report.Valid)
            {
                return await RejectLocallyAsync(context, file, report);
            }

            return await RunAsync(context, options, parseResult, async (client, headers) =>
            {
                var request = new InstallPluginRequest { ManifestJson = report.Text!, EnableOnRegister = parseResult.GetValue(enableOnRegister) };
                var response = await client.InstallPluginAsync(request, headers, Deadline(context), cancellationToken);
                var summary = response.Plugin.Summary;
                if (parseResult.GetValue(json))
                {
                    var report = new InstalledPluginReport(summary.Id, summary.Version, PluginText.Status(summary.Status), response.Plugin.EnableOnRegister,
                        response.RegistrationCredential is { } issued ? PluginCredentialCommands.Report(issued) : null,
                        [.. response.Warnings.Select(w => new InstallWarningReport(w.Path, w.Message))]);
                    await context.Out.WriteLineAsync(JsonSerializer.Serialize(report, CredentialJsonContext.Default.InstalledPluginReport));
                    return ExitCodes.Ok;
                }

                var console = context.CreateConsole();
                console.MarkupLine($"Installed [bold]{Markup.Escape(summary.Id)}[/] {Markup.Escape(summary.Version)} (status {PluginText.Status(summary.Status)}{(response.Plugin.EnableOnRegister ? ", enabled on register" : string.Empty)}).");
                foreach (var warning in response.Warnings)
                {
                    console.MarkupLine($"  [yellow]warning[/] [bold]{Markup.Escape(warning.Path)}[/]: {Markup.Escape(warning.Message)}");
                }

                if (response.RegistrationCredential is { } credential)
                {
                    await PluginCredentialCommands.ShowIssuedAsync(context, summary.Id, credential);
                }

                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command Transition(
        CliContext context,
        RegistryOptions options,
        string name,
        string description,
        bool cascades,
        Func<RegistryAdmin.RegistryAdminClient, PluginTransitionRequest, Metadata, CancellationToken, Task<PluginDetail>> call)
    {
        var id = IdArgument();
        var reason = ReasonOption();
        var cascade = new Option<bool>("--cascade")
        {
            Description = "When active plugins depend on this one, disable them first (dependents of dependents first); without it the registry refuses and names them.",
        };
        var command = new Command(name, description) { id, reason };
        if (cascades)
        {
            command.Options.Add(cascade);
        }

        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new PluginTransitionRequest
            {
                Id = parseResult.GetRequiredValue(id),
                Reason = parseResult.GetValue(reason) ?? string.Empty,
                Cascade = cascades && parseResult.GetValue(cascade),
            };
            var detail = await call(client, request, headers, cancellationToken);
            var console = context.CreateConsole();
            console.MarkupLine($"[bold]{Markup.Escape(detail.Summary.Id)}[/] is now {PluginText.Status(detail.Summary.Status)}.");
            if (request.Cascade && detail.Dependents.Count > 0)
            {
                console.MarkupLine($"Dependents: {Markup.Escape(PluginText.List(detail.Dependents))} (the active ones were disabled first; see fabrix plugins list).");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Uninstall(CliContext context, RegistryOptions options)
    {
        var id = IdArgument();
        var reason = ReasonOption();
        var command = new Command("uninstall", "Remove an installation that is installed or unregistered.") { id, reason };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new UninstallPluginRequest { Id = parseResult.GetRequiredValue(id), Reason = parseResult.GetValue(reason) ?? string.Empty };
            var response = await client.UninstallPluginAsync(request, headers, Deadline(context), cancellationToken);
            context.CreateConsole().MarkupLine($"Uninstalled [bold]{Markup.Escape(response.Id)}[/].");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Prints why a manifest file was not sent (unreadable: exit 2; invalid, with every path: exit 1).</summary>
    internal static async Task<int> RejectLocallyAsync(CliContext context, string file, ManifestFileReport report)
    {
        await context.Error.WriteLineAsync(report.Unreadable ? $"fabrix: {file}: {report.Errors[0].Message}" : $"fabrix: {file} is not a valid manifest:");
        foreach (var error in report.Unreadable ? [] : report.Errors)
        {
            await context.Error.WriteLineAsync($"  {error.Path}: {error.Message}");
        }

        return report.Unreadable ? ExitCodes.UsageOrIo : ExitCodes.Refused;
    }

    /// <summary>Resolves address and identity, opens the channel, runs <paramref name="call"/>, maps every failure to one message.</summary>
    internal static async Task<int> RunAsync(
        CliContext context,
        RegistryOptions options,
        ParseResult parseResult,
        Func<RegistryAdmin.RegistryAdminClient, Metadata, Task<int>> call)
    {
        Uri? address = null;
        try
        {
            address = RegistryAddress.Resolve(context, parseResult.GetValue(options.Registry));
            var token = AdminCredentials.ResolveBearerToken(
                context,
                parseResult.GetValue(options.Token),
                parseResult.GetValue(options.DevKey),
                parseResult.GetValue(options.User),
                parseResult.GetValue(options.Roles));

            using var channel = context.OpenChannel(address);
            var client = new RegistryAdmin.RegistryAdminClient(channel);
            var headers = new Metadata { { "authorization", "Bearer " + token } };
            return await call(client, headers);
        }
        catch (RpcException ex)
        {
            return await FailAsync(context, RpcFailure.From(ex, address!));
        }
        catch (CliFailureException ex)
        {
            return await FailAsync(context, ex);
        }
    }

    private static async Task<int> FailAsync(CliContext context, CliFailureException failure)
    {
        await context.Error.WriteLineAsync("fabrix: " + failure.Message);
        return failure.ExitCode;
    }

    internal static DateTime Deadline(CliContext context) => context.Time.GetUtcNow().UtcDateTime + s_callTimeout;

    internal static Argument<string> IdArgument() => new("id") { Description = "Plugin id, e.g. user-management." };

    internal static Option<string?> ReasonOption() => new("--reason") { Description = "Why; recorded in the lifecycle history and the audit log." };

    /// <summary>Pretty-prints manifest JSON for <c>plugins show</c>.</summary>
    internal static string Pretty(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(document.RootElement, PrettyJsonContext.Default.JsonElement);
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
