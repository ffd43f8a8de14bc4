using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fabrix.Contracts.Registry.V1;
using Spectre.Console;

namespace Fabrix.Cli.Plugins;

/// <summary>
/// <c>fabrix plugins rotate-push-secret ID --reason TEXT</c> (issue 11 section 3): a new push secret for a plugin that
/// receives its events by HTTP push. The registry never answers with the secret and this command never prints one:
/// the plugin fetches it itself with its next token renewal, while Core.Events signs with the old and the new secret
/// until the overlap window ends.
/// </summary>
internal static class PluginPushSecretCommand
{
    public static Command Build(CliContext context, RegistryOptions options)
    {
        var id = PluginCommands.IdArgument();
        var reason = new Option<string>("--reason") { Description = "Why; recorded in the audit log.", Required = true };
        var json = PluginCredentialCommands.JsonOption();
        var command = new Command("rotate-push-secret",
            "Rotate the push secret of a plugin with HTTP push delivery. The previous secret stays valid during the overlap window (default 24 h); the plugin picks up the new one at its next token renewal. The secret is never shown.")
        {
            id, reason, json,
        };
        command.SetAction((parseResult, cancellationToken) => PluginCommands.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new RotatePushSecretRequest { Id = parseResult.GetRequiredValue(id), Reason = parseResult.GetRequiredValue(reason) };
            var response = await client.RotatePushSecretAsync(request, headers, PluginCommands.Deadline(context), cancellationToken);
            var report = new RotatedPushSecretReport(response.Plugin.Summary.Id, PluginText.Time(response.RotatedAt), PluginText.Time(response.PreviousValidUntil));
            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(report, PushSecretJsonContext.Default.RotatedPushSecretReport));
                return ExitCodes.Ok;
            }

            context.CreateConsole().MarkupLine(
                $"Rotated the push secret of [bold]{Markup.Escape(report.PluginId)}[/] at {Markup.Escape(report.RotatedAt)}. " +
                $"The previous secret stays valid until {Markup.Escape(report.PreviousValidUntil)}; the plugin gets the new one with its next token renewal.");
            return ExitCodes.Ok;
        }));
        return command;
    }
}

/// <summary><c>plugins rotate-push-secret --json</c>: when, and until when the previous secret is valid; never a secret.</summary>
internal sealed record RotatedPushSecretReport(string PluginId, string RotatedAt, string PreviousValidUntil);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(RotatedPushSecretReport))]
internal sealed partial class PushSecretJsonContext : JsonSerializerContext;
