using System.Text.Json;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Requests;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Fabrix.Core.Registry.Registration;

/// <summary>
/// The plugin REST API (seed 004: <c>POST /plugins/register</c>), on the HTTP/1.1 endpoint. Refusals are thrown as
/// <see cref="RegistryRefusalException"/> and become ProblemDetails in <see cref="RefusalProblemDetailsHandler"/>.
/// Every body must be <c>application/json</c> (else 415: a browser's cross-origin "simple" POST is <c>text/plain</c>,
/// and no CORS policy is added, so a page cannot call these endpoints) and within its bound (else 413), checked
/// before anything is parsed (issue 7).
/// </summary>
internal static class RegistrationEndpoints
{
    public static IEndpointRouteBuilder MapRegistrationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var plugins = endpoints.MapGroup("/plugins").RequireRateLimiting(RateLimiting.UnauthenticatedRateLimiting.PolicyName);
        plugins.MapPost("/register", RegisterAsync);
        plugins.MapPost("/token", RenewAsync);
        plugins.MapPost("/{id}/heartbeat", HeartbeatAsync);
        return endpoints;
    }

    private static async Task<JsonHttpResult<TokenResponseBody>> RegisterAsync(HttpRequest request, PluginRegistration registration, CancellationToken cancellationToken)
    {
        using var body = await ReadBodyAsync(request, registration, AuditActions.Register, ManifestIds.Unknown, PluginRegistration.MaxRegisterBytes, required: true, cancellationToken);
        var root = body!.RootElement;
        var problems = new List<FieldViolation>();
        if (!root.TryGetProperty("manifest", out var manifest) || manifest.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new FieldViolation("manifest", "Required: the plugin manifest as a JSON object."));
        }

        var address = OptionalString(root, "address", "Must be a string: the plugin's absolute http(s) base address.", problems);
        var credential = OptionalString(root, "registration_credential", "Must be a string: the registration credential issued at install (fxrc_...).", problems);
        if (problems.Count > 0)
        {
            throw await registration.RefuseMalformedAsync(AuditActions.Register, ManifestIds.Of(manifest), problems, cancellationToken);
        }

        var grant = await registration.RegisterAsync(manifest, address, credential, cancellationToken);
        return TokenResult(grant);
    }

    private static async Task<JsonHttpResult<TokenResponseBody>> RenewAsync(HttpRequest request, PluginRegistration registration, CancellationToken cancellationToken)
    {
        // No body is needed; one that is sent must still be JSON within the bound.
        using var body = await ReadBodyAsync(request, registration, AuditActions.RenewToken, ManifestIds.Unknown, PluginRegistration.MaxSmallBodyBytes, required: false, cancellationToken);
        var identity = await registration.AuthenticateAsync(request.Headers.Authorization, AuditActions.RenewToken, null, cancellationToken);
        var grant = await registration.RenewAsync(identity, cancellationToken);
        return TokenResult(grant);
    }

    private static async Task<JsonHttpResult<HeartbeatResponseBody>> HeartbeatAsync(string id, HttpRequest request, PluginRegistration registration, CancellationToken cancellationToken)
    {
        RefuseMediaTypeEarly(request, out var mediaTypeRefusal);
        if (mediaTypeRefusal is not null)
        {
            throw await registration.RefuseRequestAsync(AuditActions.Heartbeat, mediaTypeRefusal, cancellationToken);
        }

        var identity = await registration.AuthenticateAsync(request.Headers.Authorization, AuditActions.Heartbeat, id, cancellationToken);
        if (RequestArguments.IdProblem(id) is { } idProblem)
        {
            throw await registration.RefuseMalformedAsync(AuditActions.Heartbeat, id, [new FieldViolation("id", idProblem)], cancellationToken, identity);
        }

        using var body = await ReadBodyAsync(request, registration, AuditActions.Heartbeat, id, PluginRegistration.MaxSmallBodyBytes, required: false, cancellationToken);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (body is not null && body.RootElement.TryGetProperty("metrics", out var metricsElement) && metricsElement.ValueKind != JsonValueKind.Null)
        {
            var problems = new List<FieldViolation>();
            if (metricsElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new FieldViolation("$.metrics", "Must be an object of metric name to number."));
            }
            else
            {
                foreach (var metric in metricsElement.EnumerateObject())
                {
                    if (metric.Value.ValueKind == JsonValueKind.Number && metric.Value.TryGetDouble(out var value))
                    {
                        metrics[metric.Name] = value;
                    }
                    else
                    {
                        problems.Add(new FieldViolation($"$.metrics.{metric.Name}", "Must be a number."));
                    }
                }
            }

            if (problems.Count > 0)
            {
                throw await registration.RefuseMalformedAsync(AuditActions.Heartbeat, id, problems, cancellationToken, identity);
            }
        }

        var receipt = await registration.HeartbeatAsync(identity, id, metrics, cancellationToken);
        return TypedResults.Json(new HeartbeatResponseBody(PluginLifecycle.StateName(receipt.Status), receipt.ReceivedAt),
            RegistrationJsonContext.Default.HeartbeatResponseBody);
    }

    private static string? OptionalString(JsonElement root, string name, string problem, List<FieldViolation> problems)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            return element.GetString();
        }

        problems.Add(new FieldViolation(name, problem));
        return null;
    }

    private static JsonHttpResult<TokenResponseBody> TokenResult(TokenGrant grant) =>
        TypedResults.Json(new TokenResponseBody(grant.Plugin.Id, grant.Token.Token, "Bearer", grant.Token.KeyId, grant.Token.ExpiresAt,
            PluginLifecycle.StateName(grant.Plugin.Status)) { PushSecret = grant.PushSecret }, RegistrationJsonContext.Default.TokenResponseBody);

    /// <summary>Whether the request carries a body (a length above zero, or chunked).</summary>
    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    /// <summary>A refusal when the request has a body (or says it has a media type) that is not <c>application/json</c>.</summary>
    private static void RefuseMediaTypeEarly(HttpRequest request, out Refusal? refusal)
    {
        refusal = null;
        var contentType = request.ContentType;
        if (!HasBody(request) && string.IsNullOrEmpty(contentType))
        {
            return;
        }

        if (contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            && mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        refusal = Refusal.Of(RefusalKind.UnsupportedMediaType, RefusalCodes.UnsupportedMediaType,
            $"The request body must be application/json, not '{(string.IsNullOrEmpty(contentType) ? "none" : contentType.Length > 64 ? contentType[..64] : contentType)}'.");
    }

    /// <summary>
    /// Checks the media type (415) and size (413), then parses the body as one JSON object; null when optional and
    /// absent. A malformed body is an audited 400. The size is checked from Content-Length before reading and again
    /// while reading (a chunked body has no length), so nothing over the bound is buffered.
    /// </summary>
    private static async Task<JsonDocument?> ReadBodyAsync(HttpRequest request, PluginRegistration registration, string action, string target,
        int limit, bool required, CancellationToken cancellationToken)
    {
        RefuseMediaTypeEarly(request, out var mediaTypeRefusal);
        if (mediaTypeRefusal is null && required && string.IsNullOrEmpty(request.ContentType))
        {
            mediaTypeRefusal = Refusal.Of(RefusalKind.UnsupportedMediaType, RefusalCodes.UnsupportedMediaType, "The request body must be application/json.");
        }

        if (mediaTypeRefusal is not null)
        {
            throw await registration.RefuseRequestAsync(action, mediaTypeRefusal, cancellationToken);
        }

        if (request.ContentLength > limit)
        {
            throw await registration.RefuseTooLargeAsync(action, limit, cancellationToken);
        }

        if (!required && !HasBody(request))
        {
            return null;
        }

        if (await ReadBoundedAsync(request.Body, limit, cancellationToken) is not { } buffer)
        {
            throw await registration.RefuseTooLargeAsync(action, limit, cancellationToken);
        }

        try
        {
            var document = JsonDocument.Parse(buffer);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException) when (!required && buffer.Length == 0)
        {
            return null;
        }
        catch (JsonException)
        {
        }

        throw await registration.RefuseMalformedAsync(action, target, [new FieldViolation("$", "The request body must be a JSON object.")], cancellationToken);
    }

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> bytes (reading stops there).</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBoundedAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(limit + 1, 16 * 1024)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > limit)
                {
                    return null;
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, limit + 1));
            }

            int read;
            try
            {
                read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return null;
            }

            if (read == 0)
            {
                return buffer.AsMemory(0, length);
            }

            length += read;
        }
    }
}
