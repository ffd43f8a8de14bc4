using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace Microsoft.Extensions.Hosting;

/// <summary>A lane's own NATS connections (its core service user): one for the lane, one the decision audit publishes on, one for deliveries.</summary>
public static class LaneMessagingExtensions
{
    /// <summary>The connection string name: <c>ConnectionStrings:nats</c>.</summary>
    public const string ConnectionName = "nats";

    /// <summary>The service key of the decision audit's own <see cref="INatsConnection"/> (same credentials, name <c>&lt;client&gt;-audit</c>).</summary>
    public const string AuditConnectionKey = "fabrix-decision-audit";

    /// <summary>
    /// The service key of a lane's delivery connection (same credentials, name <c>&lt;client&gt;-delivery</c>): what a lane
    /// consumes and acknowledges goes over it, apart from its publishes. Connected only by a lane that resolves it.
    /// </summary>
    public const string DeliveryConnectionKey = "fabrix-lane-delivery";

    /// <summary>
    /// Adds the <see cref="INatsConnection"/> from <c>ConnectionStrings:nats</c> (<c>nats://USER:PASSWORD@host:port</c> as the
    /// AppHost gives it), named <paramref name="clientName"/>. The credentials go into <see cref="NatsOpts.AuthOpts"/>,
    /// not the URL NATS.Net writes into its logs.
    /// </summary>
    public static IHostApplicationBuilder AddLaneMessaging(this IHostApplicationBuilder builder, string clientName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString) || !Uri.TryCreate(connectionString, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} must be an absolute NATS URL (nats://[user:password@]host:port).");
        }

        builder.Services.AddSingleton<INatsConnection>(services => new NatsConnection(WithCredentials(
            NatsOpts.Default with { Name = clientName, LoggerFactory = services.GetRequiredService<ILoggerFactory>() }, uri)));
        // The decision audit's own connection: its batches do not queue behind the lane's publishes and acknowledgements
        // for one connection's write lock and socket.
        builder.Services.AddKeyedSingleton<INatsConnection>(AuditConnectionKey, (services, _) => new NatsConnection(WithCredentials(
            NatsOpts.Default with { Name = clientName + "-audit", LoggerFactory = services.GetRequiredService<ILoggerFactory>() }, uri)));
        // Deliveries (a consumer's messages and their acknowledgements) on their own connection: they do not wait behind
        // the publishes' acknowledgements in one connection's read loop, nor behind its writes.
        builder.Services.AddKeyedSingleton<INatsConnection>(DeliveryConnectionKey, (services, _) => new NatsConnection(WithCredentials(
            NatsOpts.Default with { Name = clientName + "-delivery", LoggerFactory = services.GetRequiredService<ILoggerFactory>() }, uri)));
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
