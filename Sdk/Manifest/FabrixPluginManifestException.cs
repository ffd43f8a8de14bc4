using System.Globalization;
using System.Text;
using Fabrix.Contracts.Manifests;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Thrown when the host starts and the plugin's manifest is missing, unreadable or invalid. The message lists
/// every error as <c>path: message</c>, so one failed start shows everything that needs fixing.
/// </summary>
public sealed class FabrixPluginManifestException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public FabrixPluginManifestException()
        : this("The plugin manifest could not be loaded.")
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    public FabrixPluginManifestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public FabrixPluginManifestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a manifest at <paramref name="manifestPath"/> that failed validation.</summary>
    public FabrixPluginManifestException(string manifestPath, IReadOnlyList<ManifestIssue> errors)
        : base(Describe(manifestPath, errors))
    {
        ManifestPath = manifestPath;
        Errors = errors;
    }

    /// <summary>Full path of the manifest file, when known.</summary>
    public string? ManifestPath { get; }

    /// <summary>Every validation error (JSON path and message); empty when the file could not be read at all.</summary>
    public IReadOnlyList<ManifestIssue> Errors { get; } = [];

    private static string Describe(string manifestPath, IReadOnlyList<ManifestIssue> errors)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"The plugin manifest {manifestPath} is invalid ({errors.Count} error{(errors.Count == 1 ? string.Empty : "s")}):");
        foreach (var error in errors)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  {error.Path}: {error.Message}");
        }

        return text.ToString();
    }
}
