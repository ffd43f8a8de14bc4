using Fabrix.Contracts.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Registry.ServiceIdentity;

/// <summary>
/// The public keys of the core services allowed to mint caller contexts (issue 10 section 3): the trusted service keys
/// (<see cref="ServiceIdentityOptions.TrustedServices"/>) of the services named in
/// <see cref="ServiceIdentityOptions.CallerContextIssuers"/>, as a <see cref="CallerContextKeySet"/>. The keys come from
/// configuration and change only with a restart, so the document is written once.
/// </summary>
internal sealed class CallerContextKeys
{
    public CallerContextKeys(IOptions<ServiceIdentityOptions> options)
    {
        var issuers = options.Value.EffectiveCallerContextIssuers;
        var keys = new List<(string Service, ECDsaSecurityKey Key)>();
        foreach (var (service, path) in options.Value.TrustedServices.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (issuers.Contains(service, StringComparer.Ordinal))
            {
                keys.Add((service, ServiceToken.LoadKey(path)));
            }
        }

        Document = CallerContextKeySet.Write(keys);
        Services = [.. keys.Select(k => k.Service)];
        foreach (var (_, key) in keys)
        {
            key.ECDsa.Dispose();
        }
    }

    /// <summary>The key set, UTF-8 JSON.</summary>
    public byte[] Document { get; }

    /// <summary>The services whose keys are published.</summary>
    public IReadOnlyList<string> Services { get; }
}

/// <summary><c>GET /.well-known/fabrix-caller-keys.json</c>: <see cref="CallerContextKeys"/>, for anyone (plugins verify caller contexts with it).</summary>
internal static class CallerContextKeysEndpoint
{
    public static IEndpointRouteBuilder MapCallerContextKeys(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(CallerContextToken.KeysPath, (CallerContextKeys keys, HttpContext context) =>
        {
            // Plugins cache the set and refetch on an unknown kid; the keys change only when the registry restarts.
            context.Response.Headers.CacheControl = "public, max-age=300";
            return TypedResults.Bytes(keys.Document, CallerContextKeySet.ContentType);
        }).RequireRateLimiting(RateLimiting.UnauthenticatedRateLimiting.PolicyName);
        return endpoints;
    }
}
