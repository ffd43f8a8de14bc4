using System.Text.Json;

namespace Fabrix.Contracts.Manifests;

/// <summary>
/// Validates plugin manifests against every rule of seed 004 ("Plugin Manifest &amp; Contract", "Security
/// Validation") with the decisions of issue 2 section 3. The rules are listed in <c>Contracts/Manifests/README.md</c>.
/// Never throws on bad input: wrong JSON, wrong types and absurd values all come back as errors with a JSON path.
/// </summary>
public static class ManifestValidator
{
    private static readonly JsonDocumentOptions s_documentOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    /// <summary>Validates manifest text. Text that is not JSON yields one error at <c>$</c>.</summary>
    public static ManifestValidationResult Validate(string json)
    {
        if (json is not null && SizeProblem(json) is { } tooLarge)
        {
            return Failure(tooLarge);
        }

        if (string.IsNullOrWhiteSpace(json))
        {
            return Failure("The manifest is empty; expected a JSON object.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, s_documentOptions);
        }
        catch (JsonException ex)
        {
            return Failure($"The manifest is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            // The typed manifest copies every value out of the document, so disposing it here is safe.
            return Validate(document.RootElement);
        }
    }

    /// <summary>
    /// Why <paramref name="json"/> is too large to be a manifest (over <see cref="ManifestBounds.MaxManifestBytes"/> bytes of
    /// UTF-8), or null. Cheap by design (issue 7 section 3): text with more UTF-16 code units than the bound has at least as
    /// many UTF-8 bytes, so it is refused without being read; otherwise the count is one pass over at most 64 K characters.
    /// Nothing is parsed.
    /// </summary>
    public static string? SizeProblem(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        const string limit = "at most 65,536 bytes (64 KiB) of UTF-8 are allowed";
        if (json.Length > ManifestBounds.MaxManifestBytes)
        {
            return $"The manifest is larger than {ManifestBounds.MaxManifestBytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes; {limit}.";
        }

        var bytes = System.Text.Encoding.UTF8.GetByteCount(json);
        return bytes > ManifestBounds.MaxManifestBytes
            ? $"The manifest is {bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes of UTF-8; {limit}."
            : null;
    }

    /// <summary>
    /// Validates a parsed manifest. The document's size is the caller's to bound (<see cref="SizeProblem"/>); every
    /// list is still bounded here before its items are looked at.
    /// </summary>
    public static ManifestValidationResult Validate(JsonElement root) => new ManifestReader().Read(root);

    private static ManifestValidationResult Failure(string message) =>
        new([new ManifestIssue(JsonPath.Root, message)], [], null);
}
