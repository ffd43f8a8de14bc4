using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.Cli.Plugins;

/// <summary>
/// <c>fabrix plugins health &lt;id&gt; [--samples N] [--json]</c> (issue 3 section 1): a plugin's health state, how it is
/// monitored, its most recent samples and its state changes, from <c>RegistryAdmin.GetPluginHealth</c>.
/// </summary>
internal static class PluginHealthCommand
{
    /// <summary>Samples asked for when <c>--samples</c> is not given: what fits on one screen.</summary>
    public const int DefaultSamples = 20;

    /// <summary>The registry's upper bound for <c>GetPluginHealthRequest.sample_limit</c> (registry.proto).</summary>
    public const int MaxSamples = 500;

    public static Command Build(CliContext context, RegistryOptions options)
    {
        var id = PluginCommands.IdArgument();
        var samples = new Option<int>("--samples")
        {
            Description = $"How many recent samples to show, 1–{MaxSamples}.",
            DefaultValueFactory = _ => DefaultSamples,
            // A parse error like any other bad argument: exit 2 before an identity is resolved or the registry is called.
            CustomParser = result =>
            {
                var text = result.Tokens[^1].Value;
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value is < 1 or > MaxSamples)
                {
                    result.AddError($"--samples must be a whole number between 1 and {MaxSamples} (was '{text}').");
                }

                return value;
            },
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print the health as one JSON object with snake_case names instead of tables.",
        };

        var command = new Command("health", "Show a plugin's health: state, monitoring, recent samples with their metrics, and state changes, newest first.")
        {
            id,
            samples,
            json,
        };
        command.SetAction((parseResult, cancellationToken) => PluginCommands.RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new GetPluginHealthRequest { Id = parseResult.GetRequiredValue(id), SampleLimit = parseResult.GetValue(samples) };
            var health = await client.GetPluginHealthAsync(request, headers, PluginCommands.Deadline(context), cancellationToken);
            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(PluginHealthReport.From(health), PluginHealthJsonContext.Relaxed.PluginHealthReport));
            }
            else
            {
                PluginRendering.Health(context.CreateConsole(), health);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
