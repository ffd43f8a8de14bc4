using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Fabrix.Contracts.Manifests;

/// <summary>
/// Unicode Technical Standard #39 ("Unicode Security Mechanisms", section 4 "Confusable Detection"): two strings are
/// confusable when their skeletons are equal. A Cyrillic "Usеr Mаnagement" looks exactly like the sample plugin's
/// "User Management" (issue 7 section 4); the registry warns at install when a new plugin's name has the skeleton of an
/// installed plugin's name. The table is Unicode's confusables.txt (version 10.0.0, all 6,294 single-code-point
/// mappings), embedded as <c>Manifests/confusables.txt</c> by <c>eng/confusables/generate.sh</c>.
/// </summary>
public static class ConfusableNames
{
    private const string ResourceName = "Fabrix.Contracts.Manifests.confusables.txt";

    private static readonly Lazy<FrozenDictionary<int, string>> s_prototypes = new(Load);

    /// <summary>Number of mappings in the embedded table.</summary>
    public static int MappingCount => s_prototypes.Value.Count;

    /// <summary>
    /// skeleton(X) of UTS #39: X in NFD, without default-ignorable code points, each code point replaced by its prototype
    /// from confusables.txt, then NFD again.
    /// </summary>
    public static string Skeleton(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var prototypes = s_prototypes.Value;
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.Normalize(NormalizationForm.FormD).EnumerateRunes())
        {
            if (ManifestText.IsDefaultIgnorable(rune))
            {
                continue;
            }

            if (prototypes.TryGetValue(rune.Value, out var prototype))
            {
                builder.Append(prototype);
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString().Normalize(NormalizationForm.FormD);
    }

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> have the same skeleton.</summary>
    public static bool AreConfusable(string a, string b) => string.Equals(Skeleton(a), Skeleton(b), StringComparison.Ordinal);

    private static FrozenDictionary<int, string> Load()
    {
        using var stream = typeof(ConfusableNames).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{ResourceName}' is missing from {typeof(ConfusableNames).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        var prototypes = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var source = int.Parse(line.AsSpan(0, tab), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var target = new StringBuilder();
            foreach (var code in line[(tab + 1)..].Split(' '))
            {
                target.Append(char.ConvertFromUtf32(int.Parse(code, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }

            prototypes[source] = target.ToString();
        }

        return prototypes.ToFrozenDictionary();
    }
}
