using NATS.Client.Core;

namespace Fabrix.Core.Registry.Outbox;

/// <summary>
/// <c>ConnectionStrings:nats</c> as the AppHost (and production configuration) gives it: <c>nats://USER:PASSWORD@host:port</c>
/// (issue 7 section 7: NATS is core-only, each core service has a user). The credentials go into
/// <see cref="NatsOpts.AuthOpts"/> and are removed from <see cref="NatsOpts.Url"/>, which NATS.Net writes into its log lines.
/// </summary>
internal static class NatsConnectionString
{
    public static NatsOpts Apply(NatsOpts options, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(options);
        var uri = new Uri(connectionString);
        if (string.IsNullOrEmpty(uri.UserInfo))
        {
            return options with { Url = connectionString };
        }

        var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        var user = Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[..separator]);
        var password = separator < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]);
        var withoutCredentials = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.GetLeftPart(UriPartial.Authority);
        var auth = password is null
            ? options.AuthOpts with { Token = user }
            : options.AuthOpts with { Username = user, Password = password };
        return options with { Url = withoutCredentials, AuthOpts = auth };
    }

    /// <summary>The URL without its credentials, for messages.</summary>
    public static string Redact(string connectionString) =>
        Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo)
            ? new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.GetLeftPart(UriPartial.Authority)
            : connectionString;
}
