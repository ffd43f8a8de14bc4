using System.Text.Json;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Requests;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fabrix.Core.Registry.Registration;

/// <summary>
/// The plugin REST API (seed 004: <c>POST /plugins/register</c>), on the HTTP/1.1 endpoint. Refusals are thrown as
/// <see cref="RegistryRefusalException"/> and become ProblemDetails in <see cref="RefusalProblemDetailsHandler"/>.
/// </summary>
internal static class RegistrationEndpoints
{
    public static IEndpointRouteBuilder MapRegistrationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var plugins = endpoints.MapGroup("/plugins");
        plugins.MapPost("/register", RegisterAsync);
        plugins.MapPost("/token", RenewAsync);
        plugins.MapPost("/{id}/heartbeat", HeartbeatAsync);
        return endpoints;
    }

    private static async Task<JsonHttpResult<TokenResponseBody>> RegisterAsync(HttpRequest request, PluginRegistration registration, CancellationToken cancellationToken)
    {
        using var body = await ReadBodyAsync(request, registration, AuditActions.Register, ManifestIds.Unknown, required: true, cancellationToken);
        var root = body!.RootElement;
        var problems = new List<FieldViolation>();
        if (!root.TryGetProperty("manifest", out var manifest) || manifest.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new FieldViolation("manifest", "Required: the plugin manifest as a JSON object."));
        }

        string? address = null;
        if (root.TryGetProperty("address", out var addressElement))
        {
            if (addressElement.ValueKind == JsonValueKind.String)
            {
                address = addressElement.GetString();
            }
            else if (addressElement.ValueKind != JsonValueKind.Null)
            {
                problems.Add(new FieldViolation("address", "Must be a string: the plugin's absolute http(s) base address."));
            }
        }

        if (problems.Count > 0)
        {
            throw await registration.RefuseMalformedAsync(AuditActions.Register, ManifestIds.Of(manifest), problems, cancellationToken);
        }

        var grant = await registration.RegisterAsync(manifest, address, cancellationToken);
        return TokenResult(grant);
    }

    private static async Task<JsonHttpResult<TokenResponseBody>> RenewAsync(HttpRequest request, PluginRegistration registration, CancellationToken cancellationToken)
    {
        var identity = await registration.AuthenticateAsync(request.Headers.Authorization, AuditActions.RenewToken, "unknown", cancellationToken);
        var grant = await registration.RenewAsync(identity, cancellationToken);
        return TokenResult(grant);
    }

    private static async Task<JsonHttpResult<HeartbeatResponseBody>> HeartbeatAsync(string id, HttpRequest request, PluginRegistration registration, CancellationToken cancellationToken)
    {
        var identity = await registration.AuthenticateAsync(request.Headers.Authorization, AuditActions.Heartbeat, id, cancellationToken);
        if (RequestArguments.IdProblem(id) is { } idProblem)
        {
            throw await registration.RefuseMalformedAsync(AuditActions.Heartbeat, id, [new FieldViolation("id", idProblem)], cancellationToken, identity);
        }

        using var body = await ReadBodyAsync(request, registration, AuditActions.Heartbeat, id, required: false, cancellationToken);
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

    private static JsonHttpResult<TokenResponseBody> TokenResult(TokenGrant grant) =>
        TypedResults.Json(new TokenResponseBody(grant.Plugin.Id, grant.Token.Token, "Bearer", grant.Token.KeyId, grant.Token.ExpiresAt,
            PluginLifecycle.StateName(grant.Plugin.Status)), RegistrationJsonContext.Default.TokenResponseBody);

    /// <summary>Parses the body as one JSON object; null when optional and empty. A malformed body is an audited 400.</summary>
    private static async Task<JsonDocument?> ReadBodyAsync(HttpRequest request, PluginRegistration registration, string action, string target,
        bool required, CancellationToken cancellationToken)
    {
        JsonDocument? document = null;
        try
        {
            if (request.ContentLength is 0 && !required)
            {
                return null;
            }

            document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }
        }
        catch (JsonException) when (!required && request.ContentLength is null or 0)
        {
            return null;
        }
        catch (JsonException)
        {
        }

        document?.Dispose();
        throw await registration.RefuseMalformedAsync(action, target, [new FieldViolation("$", "The request body must be a JSON object.")], cancellationToken);
    }
}
