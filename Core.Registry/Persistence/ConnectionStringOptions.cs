using Microsoft.Extensions.Options;
using Npgsql;

namespace Fabrix.Core.Registry.Persistence;

/// <summary>
/// Connection strings in .NET Aspire's convention: <c>ConnectionStrings:registry</c> (Npgsql) and
/// <c>ConnectionStrings:nats</c> (<c>nats://host:port</c>, or <c>nats://user:password@host:port</c> when NATS requires
/// authentication, as the AppHost's does).
/// </summary>
internal sealed class ConnectionStringOptions
{
    public const string SectionName = "ConnectionStrings";

    public string? Registry { get; set; }

    public string? Nats { get; set; }
}

/// <summary>Reports every missing or malformed connection string at once.</summary>
internal sealed class ConnectionStringOptionsValidator : IValidateOptions<ConnectionStringOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectionStringOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Registry))
        {
            failures.Add("ConnectionStrings:registry is required (the registry's PostgreSQL database).");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.Registry);
            }
            catch (ArgumentException exception)
            {
                failures.Add($"ConnectionStrings:registry is not a valid Npgsql connection string: {exception.Message}");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Nats))
        {
            failures.Add("ConnectionStrings:nats is required (nats://host:port).");
        }
        else if (!Uri.TryCreate(options.Nats, UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls" or "ws" or "wss"))
        {
            failures.Add($"ConnectionStrings:nats must be a nats:// URL (was '{Outbox.NatsConnectionString.Redact(options.Nats)}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
