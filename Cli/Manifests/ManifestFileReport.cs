using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fabrix.Contracts.Manifests;

namespace Fabrix.Cli.Manifests;

/// <summary>One element of <c>fabrix manifest validate --json</c>: <c>{"file","valid","errors","warnings"}</c>.</summary>
internal sealed record ManifestFileReport(
    string File,
    bool Valid,
    IReadOnlyList<ManifestIssueReport> Errors,
    IReadOnlyList<ManifestIssueReport> Warnings)
{
    /// <summary>True when the file could not be read or parsed (exit code 2 rather than 1).</summary>
    [JsonIgnore]
    public bool Unreadable { get; private init; }

    /// <summary>The manifest text, when it was read.</summary>
    [JsonIgnore]
    public string? Text { get; private init; }

    public static ManifestFileReport CannotRead(string file, string message) =>
        new(file, false, [new ManifestIssueReport("$", message)], []) { Unreadable = true };

    public static ManifestFileReport From(string file, ManifestValidationResult result, string text) =>
        new(file, result.IsValid, [.. result.Errors.Select(ManifestIssueReport.From)], [.. result.Warnings.Select(ManifestIssueReport.From)])
        {
            Text = text,
        };
}

/// <summary>A finding at a JSON path.</summary>
internal sealed record ManifestIssueReport(string Path, string Message)
{
    public static ManifestIssueReport From(ManifestIssue issue) => new(issue.Path, issue.Message);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(IReadOnlyList<ManifestFileReport>))]
internal sealed partial class ManifestReportJsonContext : JsonSerializerContext
{
    /// <summary>Writes quotes and non-ASCII text as they are (the output is a terminal or a file, never HTML).</summary>
    public static ManifestReportJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
