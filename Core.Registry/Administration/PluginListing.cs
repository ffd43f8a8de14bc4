using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Requests;

namespace Fabrix.Core.Registry.Administration;

/// <summary>
/// <c>ListPlugins</c> (issue 7 section 3): summaries only, never a manifest, in pages ordered by id. A page holds
/// <c>page_size</c> plugins (0 = <see cref="DefaultPageSize"/>, at most <see cref="MaxPageSize"/>); <c>next_page_token</c>
/// is opaque (base64url of the last id and a fingerprint of the filter) and empty on the last page; <c>total_count</c>
/// counts the matches over all pages. Bad arguments (page size, a token that was not issued for this filter, a search
/// that is too long or holds control characters) are INVALID_ARGUMENT naming the field, audited.
/// </summary>
internal sealed class PluginListing(RegistryDatabase database, RequestArguments arguments)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;
    public const int MaxSearchLength = 100;

    /// <summary>Audit target of a listing.</summary>
    public const string Target = "plugins";

    public async Task<ListPluginsResponse> ListAsync(ListPluginsRequest request, Caller caller, CancellationToken cancellationToken)
    {
        var pageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var search = request.Search ?? string.Empty;
        var fingerprint = Fingerprint(request.Status, search);
        string? after = null;
        string? tokenProblem = null;
        if (request.PageToken.Length > 0)
        {
            after = PluginPageToken.TryDecode(request.PageToken, fingerprint, out tokenProblem);
        }

        await arguments.RequireAsync(caller, AuditActions.Read, Target,
        [
            ("page_size", pageSize is < 1 or > MaxPageSize ? $"Must be between 1 and {MaxPageSize} (0 means {DefaultPageSize}); was {request.PageSize}." : null),
            ("page_token", tokenProblem),
            ("search", RequestArguments.TextProblem(search, MaxSearchLength)),
            ("status", Enum.IsDefined(request.Status) ? null : $"Unknown status {(int)request.Status}."),
        ], cancellationToken);

        await using var transaction = await database.BeginAsync(cancellationToken);
        var page = await PluginSummaries.PageAsync(transaction, PluginLifecycle.FromProto(request.Status), search, after, pageSize, cancellationToken);
        var response = new ListPluginsResponse
        {
            TotalCount = page.TotalCount,
            NextPageToken = page.HasMore ? PluginPageToken.Encode(page.Plugins[^1].Id, fingerprint) : string.Empty,
        };
        response.Plugins.Add(page.Plugins.Select(PluginProjection.ToSummary));
        return response;
    }

    /// <summary>Ties a token to the filter it was issued for: a token from another filter would skip or repeat plugins.</summary>
    private static string Fingerprint(PluginStatus status, string search) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{(int)status}\n{search.Trim()}")))[..16];
}

/// <summary>The page token of <see cref="PluginListing"/>: <c>{"v":1,"after":"&lt;last id&gt;","filter":"&lt;fingerprint&gt;"}</c>, base64url.</summary>
internal sealed record PluginPageToken(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("after")] string After,
    [property: JsonPropertyName("filter")] string Filter)
{
    public const int CurrentVersion = 1;

    /// <summary>Longer than any token this registry issues.</summary>
    public const int MaxLength = 512;

    public static string Encode(string after, string filter) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new PluginPageToken(CurrentVersion, after, filter), PluginPageTokenJsonContext.Default.PluginPageToken));

    /// <summary>The id after which the page starts, or null with <paramref name="problem"/> saying why the token is refused.</summary>
    public static string? TryDecode(string text, string filter, out string? problem)
    {
        problem = "Not a page token issued by this registry; start again without one.";
        if (text.Length > MaxLength)
        {
            return null;
        }

        PluginPageToken? token;
        try
        {
            token = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(text), PluginPageTokenJsonContext.Default.PluginPageToken);
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
            return null;
        }

        if (token is not { Version: CurrentVersion, After: { } after, Filter: { } tokenFilter } || !PluginIds.IsValid(after))
        {
            return null;
        }

        if (!string.Equals(tokenFilter, filter, StringComparison.Ordinal))
        {
            problem = "The page token belongs to a different filter: keep the status and search of the first page.";
            return null;
        }

        problem = null;
        return after;
    }
}

[JsonSerializable(typeof(PluginPageToken))]
internal sealed partial class PluginPageTokenJsonContext : JsonSerializerContext;
