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

    /// <summary>Validates a parsed manifest.</summary>
    public static ManifestValidationResult Validate(JsonElement root) => new ManifestReader().Read(root);

    private static ManifestValidationResult Failure(string message) =>
        new([new ManifestIssue(JsonPath.Root, message)], [], null);
}
