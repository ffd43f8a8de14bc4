using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Fabrix.Cli.Manifests;

/// <summary><c>fabrix manifest validate &lt;file&gt;... [--json]</c> (issue 2 section 9): offline, no registry needed.</summary>
internal static class ManifestCommands
{
    public static Command Build(CliContext context)
    {
        var files = new Argument<string[]>("file")
        {
            Description = "Manifest files (JSON) to validate.",
            Arity = ArgumentArity.OneOrMore,
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print a JSON array with one {file, valid, errors, warnings} object per file.",
        };

        var validate = new Command("validate", "Validate plugin manifests offline. Exit code 0: all valid; 1: any invalid; 2: a file could not be read or is not JSON.")
        {
            files,
            json,
        };
        validate.SetAction((parseResult, cancellationToken) =>
            ValidateAsync(context, parseResult.GetValue(files) ?? [], parseResult.GetValue(json), cancellationToken));

        return new Command("manifest", "Work with plugin manifests.") { validate };
    }

    private static async Task<int> ValidateAsync(CliContext context, string[] files, bool asJson, CancellationToken cancellationToken)
    {
        var reports = new List<ManifestFileReport>(files.Length);
        foreach (var file in files)
        {
            reports.Add(await ManifestFile.ValidateAsync(file, context.CurrentDirectory, cancellationToken));
        }

        if (asJson)
        {
            await context.Out.WriteLineAsync(JsonSerializer.Serialize<IReadOnlyList<ManifestFileReport>>(reports, ManifestReportJsonContext.Relaxed.IReadOnlyListManifestFileReport));
        }
        else
        {
            Render(context.CreateConsole(), reports);
        }

        return reports.Any(r => r.Unreadable) ? ExitCodes.UsageOrIo
            : reports.Any(r => !r.Valid) ? ExitCodes.Refused
            : ExitCodes.Ok;
    }

    private static void Render(IAnsiConsole console, List<ManifestFileReport> reports)
    {
        foreach (var report in reports)
        {
            var file = Markup.Escape(report.File);
            if (report.Unreadable)
            {
                console.MarkupLine($"[red]unreadable[/] {file}");
            }
            else if (report.Valid)
            {
                console.MarkupLine($"[green]valid[/]      {file}");
            }
            else
            {
                console.MarkupLine($"[red]invalid[/]    {file} ({Count(report.Errors.Count, "error")})");
            }

            foreach (var error in report.Errors)
            {
                console.MarkupLine($"  [red]error[/]   [bold]{Markup.Escape(error.Path)}[/]: {Markup.Escape(error.Message)}");
            }

            foreach (var warning in report.Warnings)
            {
                console.MarkupLine($"  [yellow]warning[/] [bold]{Markup.Escape(warning.Path)}[/]: {Markup.Escape(warning.Message)}");
            }
        }

        var valid = reports.Count(r => r.Valid);
        console.MarkupLine($"{valid} of {Count(reports.Count, "manifest")} valid.");
    }

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
