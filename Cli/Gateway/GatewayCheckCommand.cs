using System.CommandLine;
using System.Text.Json;
using Fabrix.Contracts.Manifests;
using Fabrix.Core.Lanes.Operator;
using Spectre.Console;

namespace Fabrix.Cli.Gateway;

/// <summary>
/// <c>fabrix gateway check --caller caller.json --target target.json [--target ...] [--json] "GET /target/path" ...</c>
/// (issue 10 section 2): the Operator lane's own policy (<see cref="OperatorPolicy"/>) run offline over the given
/// manifests, every plugin active and healthy, no grants. Exit 0: every request allowed; 1: any refused; 2: bad
/// arguments or a manifest that cannot be read or is invalid.
/// </summary>
internal static class GatewayCheckCommand
{
    public static Command Build(CliContext context)
    {
        var caller = new Option<string>("--caller")
        {
            Description = "The calling plugin's manifest (JSON).",
            Required = true,
        };
        var targets = new Option<string[]>("--target")
        {
            Description = "A target plugin's manifest (JSON); repeat for several.",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print a JSON array with one {request, allowed, normalized_path, endpoint, reason} object per request.",
        };
        var requests = new Argument<string[]>("request")
        {
            Description = "Requests as the caller would send them to the gateway: \"METHOD /target-id/path?query\" or \"METHOD /contracts/Contract/path\".",
            Arity = ArgumentArity.OneOrMore,
        };

        var check = new Command("check", "Check offline whether the gateway would forward requests from one plugin to others (every plugin taken as active and healthy, no grants). Exit code 0: all allowed; 1: any refused; 2: bad arguments or manifests.")
        {
            caller,
            targets,
            json,
            requests,
        };
        check.SetAction((parseResult, cancellationToken) => RunAsync(
            context,
            parseResult.GetValue(caller)!,
            parseResult.GetValue(targets) ?? [],
            parseResult.GetValue(requests) ?? [],
            parseResult.GetValue(json),
            cancellationToken));
        return check;
    }

    private static async Task<int> RunAsync(CliContext context, string callerFile, string[] targetFiles, string[] requests, bool asJson,
        CancellationToken cancellationToken)
    {
        var parsed = new List<(string Text, string Method, string Target)>(requests.Length);
        foreach (var request in requests)
        {
            var space = request.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == request.Length - 1)
            {
                await context.Error.WriteLineAsync($"fabrix: the request '{request}' is not \"METHOD /target-id/path\" (e.g. \"GET /user-management/api/users/42\").");
                return ExitCodes.UsageOrIo;
            }

            parsed.Add((request, request[..space], request[(space + 1)..]));
        }

        var manifests = new Dictionary<string, (PluginManifest Manifest, string Digest, string File)>(StringComparer.Ordinal);
        PluginManifest? callerManifest = null;
        foreach (var (option, file) in targetFiles.Select(f => ("--target", f)).Prepend(("--caller", callerFile)))
        {
            var loaded = await LoadAsync(context, option, file, cancellationToken);
            if (loaded is null)
            {
                return ExitCodes.UsageOrIo;
            }

            var (manifest, digest) = loaded.Value;
            if (manifests.TryGetValue(manifest.Id, out var earlier) && !string.Equals(earlier.Digest, digest, StringComparison.Ordinal))
            {
                await context.Error.WriteLineAsync($"fabrix: {option} {file}: the plugin '{manifest.Id}' is also {earlier.File}, with other content.");
                return ExitCodes.UsageOrIo;
            }

            manifests[manifest.Id] = (manifest, digest, file);
            callerManifest ??= manifest;
        }

        var source = new GatewayCheckSource(manifests.Values.Select(m => (m.Manifest, m.Digest)));
        var reports = parsed
            .Select(r => Report(r.Text, OperatorPolicy.Decide(source, OperatorRequest.ForGatewayTarget(callerManifest!.Id, r.Method, r.Target))))
            .ToList();

        if (asJson)
        {
            await context.Out.WriteLineAsync(JsonSerializer.Serialize<IReadOnlyList<GatewayCheckReport>>(reports, GatewayCheckJsonContext.Relaxed.IReadOnlyListGatewayCheckReport));
        }
        else
        {
            Render(context.CreateConsole(), callerManifest!.Id, reports);
        }

        return reports.TrueForAll(r => r.Allowed) ? ExitCodes.Ok : ExitCodes.Refused;
    }

    private static GatewayCheckReport Report(string request, OperatorDecision decision) =>
        new(request, decision.Allowed, decision.ForwardPath, decision.EndpointName, decision.Code);

    private static async Task<(PluginManifest Manifest, string Digest)?> LoadAsync(CliContext context, string option, string file, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(Path.Combine(context.CurrentDirectory, file), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var why = ex switch
            {
                FileNotFoundException => "no such file.",
                DirectoryNotFoundException => "no such directory.",
                UnauthorizedAccessException => "permission denied (or it is a directory).",
                _ => ex.Message,
            };
            await context.Error.WriteLineAsync($"fabrix: {option} {file}: cannot read the file: {why}");
            return null;
        }

        var result = ManifestValidator.Validate(text);
        if (result.Manifest is null)
        {
            await context.Error.WriteLineAsync($"fabrix: {option} {file}: not a valid manifest (run 'fabrix manifest validate {file}'):");
            foreach (var error in result.Errors)
            {
                await context.Error.WriteLineAsync($"  {error.Path}: {error.Message}");
            }

            return null;
        }

        return (result.Manifest, ManifestDigest.Compute(text));
    }

    private static void Render(IAnsiConsole console, string caller, List<GatewayCheckReport> reports)
    {
        console.MarkupLine($"Caller [bold]{Markup.Escape(caller)}[/] (every plugin active and healthy, no grants):");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn("request");
        table.AddColumn("result");
        table.AddColumn("reason");
        table.AddColumn("endpoint");
        table.AddColumn("forwarded path");
        foreach (var report in reports)
        {
            table.AddRow(
                Markup.Escape(report.Request),
                report.Allowed ? "[green]allowed[/]" : "[red]refused[/]",
                Markup.Escape(report.Reason),
                Markup.Escape(report.Endpoint ?? "-"),
                Markup.Escape(report.NormalizedPath ?? "-"));
        }

        console.Write(table);
    }
}
