using System.Text.Json;
using Fabrix.Contracts.Manifests;

namespace Fabrix.Cli.Manifests;

/// <summary>
/// Reads one manifest file and validates it. Distinguishes "could not read it as JSON" (an I/O problem, exit 2)
/// from "read it, and it breaks rules" (exit 1), so a typo in a path never looks like an invalid manifest.
/// </summary>
internal static class ManifestFile
{
    public static async Task<ManifestFileReport> ValidateAsync(string path, string currentDirectory, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(Path.Combine(currentDirectory, path), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return ManifestFileReport.CannotRead(path, "Cannot read the file: " + Describe(ex));
        }

        try
        {
            using var document = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            return ManifestFileReport.CannotRead(path, "The file is not JSON: " + ex.Message);
        }

        return ManifestFileReport.From(path, ManifestValidator.Validate(text), text);
    }

    private static string Describe(Exception ex) => ex switch
    {
        FileNotFoundException => "no such file.",
        DirectoryNotFoundException => "no such directory.",
        UnauthorizedAccessException => "permission denied (or it is a directory).",
        _ => ex.Message,
    };
}
