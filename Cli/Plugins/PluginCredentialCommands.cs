using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fabrix.Contracts.Registry.V1;
using Spectre.Console;

namespace Fabrix.Cli.Plugins;

/// <summary>
/// <c>fabrix plugins credential rotate | revoke</c> (issue 7), and how a freshly issued registration credential is
/// shown: once, by <c>plugins install</c> and <c>credential rotate</c>, because the registry keeps only its hash.
/// </summary>
internal static class PluginCredentialCommands
{
    public static Command Build(CliContext context, RegistryOptions options)
    {
        var credential = new Command("credential", "Rotate or revoke a plugin's registration credential (what a plugin proves its identity with when it registers).");
        credential.Subcommands.Add(Rotate(context, options));
        credential.Subcommands.Add(Revoke(context, options));
        return credential;
    }

    /// <summary>Prints a newly issued credential with the "shown once" warning, or its JSON form.</summary>
    public static async Task ShowIssuedAsync(CliContext context, string pluginId, RegistrationCredential credential)
    {
        var console = context.CreateConsole();
        console.MarkupLine($"Registration credential of [bold]{Markup.Escape(pluginId)}[/] (credential {Markup.Escape(credential.Info.CredentialId)}), " +
                           "[yellow]shown once[/]: the registry keeps only its hash. Store it now:");
        // Written as plain text on a line of its own, so no terminal width ever wraps it.
        await context.Out.WriteLineAsync("  " + credential.Secret);
        console.MarkupLine("Give it to the plugin as Fabrix:Plugin:RegistrationCredential (environment Fabrix__Plugin__RegistrationCredential), " +
                           "or in a mounted file named by Fabrix:Plugin:RegistrationCredentialFile. " +
                           $"Lost it? fabrix plugins credential rotate {Markup.Escape(pluginId)} issues a new one.");
    }

    /// <summary>The JSON object of an issued credential, for <c>--json</c>.</summary>
    public static IssuedCredentialReport Report(RegistrationCredential credential) => new(
        credential.Secret,
        credential.Info.CredentialId,
        PluginText.Time(credential.Info.IssuedAt),
        credential.Info.IssuedBy,
        ShownOnce: true);

    private static Command Rotate(CliContext context, RegistryOptions options)
    {
        var id = PluginCommands.IdArgument();
        var reason = PluginCommands.ReasonOption();
        var json = JsonOption();
        var command = new Command("rotate",
            "Issue a new registration credential (shown once) and invalidate the current one, revoked or not. Tokens already issued stay valid until they expire.")
        {
            id, reason, json,
        };
        command.SetAction((parseResult, cancellationToken) => PluginCommands.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new RegistrationCredentialRequest { Id = parseResult.GetRequiredValue(id), Reason = parseResult.GetValue(reason) ?? string.Empty };
            var response = await client.RotateRegistrationCredentialAsync(request, headers, PluginCommands.Deadline(context), cancellationToken);
            if (parseResult.GetValue(json))
            {
                var report = new RotatedCredentialReport(response.Plugin.Summary.Id, Report(response.Credential));
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(report, CredentialJsonContext.Default.RotatedCredentialReport));
                return ExitCodes.Ok;
            }

            await ShowIssuedAsync(context, response.Plugin.Summary.Id, response.Credential);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Revoke(CliContext context, RegistryOptions options)
    {
        var id = PluginCommands.IdArgument();
        var reason = PluginCommands.ReasonOption();
        var command = new Command("revoke",
            "Revoke the registration credential: the plugin cannot register until a rotation issues a new one. Tokens already issued stay valid until they expire; disable the plugin to stop it at once.")
        {
            id, reason,
        };
        command.SetAction((parseResult, cancellationToken) => PluginCommands.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new RegistrationCredentialRequest { Id = parseResult.GetRequiredValue(id), Reason = parseResult.GetValue(reason) ?? string.Empty };
            var detail = await client.RevokeRegistrationCredentialAsync(request, headers, PluginCommands.Deadline(context), cancellationToken);
            context.CreateConsole().MarkupLine(
                $"Revoked registration credential {Markup.Escape(detail.RegistrationCredential?.CredentialId ?? "-")} of [bold]{Markup.Escape(detail.Summary.Id)}[/]: " +
                $"it cannot register until fabrix plugins credential rotate {Markup.Escape(detail.Summary.Id)}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static Option<bool> JsonOption() => new("--json") { Description = "Write one JSON object instead of text." };
}

/// <summary>A credential as issued, in <c>--json</c> output. <c>shown_once</c> is always true: store <c>secret</c> now.</summary>
internal sealed record IssuedCredentialReport(string Secret, string CredentialId, string IssuedAt, string IssuedBy, bool ShownOnce);

/// <summary><c>plugins credential rotate --json</c>.</summary>
internal sealed record RotatedCredentialReport(string PluginId, IssuedCredentialReport RegistrationCredential);

/// <summary><c>plugins install --json</c>.</summary>
internal sealed record InstalledPluginReport(
    string PluginId,
    string Version,
    string Status,
    bool EnableOnRegister,
    IssuedCredentialReport? RegistrationCredential,
    IReadOnlyList<InstallWarningReport> Warnings);

internal sealed record InstallWarningReport(string Path, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(RotatedCredentialReport))]
[JsonSerializable(typeof(InstalledPluginReport))]
internal sealed partial class CredentialJsonContext : JsonSerializerContext;
