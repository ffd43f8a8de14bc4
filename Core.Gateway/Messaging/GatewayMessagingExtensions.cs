using NATS.Client.Core;

namespace Microsoft.Extensions.Hosting;

/// <summary>The gateway's own NATS connection (its core service user), which the decision audit publishes on.</summary>
internal static class GatewayMessagingExtensions
{
    public const string ConnectionName = "nats";

    /// <summary>
    /// Adds the <see cref="INatsConnection"/> from <c>ConnectionStrings:nats</c> (<c>nats://USER:PASSWORD@host:port</c> as the
    /// AppHost gives it). The credentials go into <see cref="NatsOpts.AuthOpts"/>, not the URL NATS.Net writes into its logs.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayMessaging(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString) || !Uri.TryCreate(connectionString, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} must be an absolute NATS URL (nats://[user:password@]host:port).");
        }

        builder.Services.AddSingleton<INatsConnection>(services => new NatsConnection(WithCredentials(
            NatsOpts.Default with { Name = "fabrix-core-gateway", LoggerFactory = services.GetRequiredService<ILoggerFactory>() }, uri)));
        return builder;
    }

    private static NatsOpts WithCredentials(NatsOpts options, Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo))
        {
            return options with { Url = uri.GetLeftPart(UriPartial.Authority) };
        }

        var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        var user = Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[..separator]);
        var password = separator < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]);
        var url = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.GetLeftPart(UriPartial.Authority);
        var auth = password is null ? options.AuthOpts with { Token = user } : options.AuthOpts with { Username = user, Password = password };
        return options with { Url = url, AuthOpts = auth };
    }
}
