using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Fabrix.Deploy.Tests;

/// <summary>
/// The fields of <c>kustomize.config.k8s.io/v1beta1 Kustomization</c> deploy/kubernetes uses. Deserialized without
/// ignoring unmatched properties, so a misspelt or unexpected field fails the test instead of being skipped silently
/// by kustomize's own lenient reader.
/// </summary>
internal sealed class Kustomization
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public List<string> Resources { get; set; } = [];

    public List<KustomizationPatch> Patches { get; set; } = [];

    public List<KustomizationImage> Images { get; set; } = [];

    public List<KustomizationLabels> Labels { get; set; } = [];

    public List<KustomizationGenerator> SecretGenerator { get; set; } = [];

    public List<KustomizationGenerator> ConfigMapGenerator { get; set; } = [];

    public static Kustomization Load(string directory) => Parse(File.ReadAllText(Path.Combine(directory, "kustomization.yaml")));

    public static Kustomization Parse(string yaml) =>
        new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build().Deserialize<Kustomization>(yaml);

    /// <summary>Every local file the Kustomization reads, relative to its directory.</summary>
    public IEnumerable<string> ReferencedPaths() =>
        Resources
            .Concat(Patches.Select(p => p.Path))
            .Concat(SecretGenerator.Concat(ConfigMapGenerator).SelectMany(g => g.Files.Select(FileOfSource).Concat(g.Envs)));

    // A generator source is "path" or "key=path".
    private static string FileOfSource(string source) => source.Contains('=', StringComparison.Ordinal) ? source[(source.IndexOf('=', StringComparison.Ordinal) + 1)..] : source;
}

internal sealed class KustomizationPatch
{
    public string Path { get; set; } = "";
}

internal sealed class KustomizationImage
{
    public string Name { get; set; } = "";

    public string? NewName { get; set; }

    public string? NewTag { get; set; }

    public string? Digest { get; set; }
}

internal sealed class KustomizationLabels
{
    public Dictionary<string, string> Pairs { get; set; } = [];

    public bool IncludeSelectors { get; set; }

    public bool IncludeTemplates { get; set; }
}

internal sealed class KustomizationGenerator
{
    public string Name { get; set; } = "";

    public string? Namespace { get; set; }

    public List<string> Files { get; set; } = [];

    public List<string> Envs { get; set; } = [];

    public List<string> Literals { get; set; } = [];
}
