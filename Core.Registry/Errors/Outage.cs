using System.Net.Sockets;
using NATS.Client.Core;
using Npgsql;

namespace Fabrix.Core.Registry.Errors;

/// <summary>A service the registry depends on, named in the message a caller sees when it cannot be reached.</summary>
internal enum Dependency
{
    Database,
    Messaging,
    Unknown,
}

/// <summary>
/// The registry could not do its work because a dependency is unreachable (issue 7 section 6): not a refusal and not a
/// bug, so it is neither audited nor reported as UNKNOWN. Mapped once to gRPC UNAVAILABLE and once to HTTP 503, with
/// a message that names the dependency and a stable <see cref="Code"/>. Nothing was changed: every operation runs in one
/// transaction, so retrying is safe.
/// </summary>
internal sealed record Outage(Dependency Dependency, string Code, string Message)
{
    public static readonly Outage Database = new(Fabrix.Core.Registry.Errors.Dependency.Database, RefusalCodes.DatabaseUnavailable,
        "The registry cannot reach its database; retrying is safe.");

    public static readonly Outage Messaging = new(Fabrix.Core.Registry.Errors.Dependency.Messaging, RefusalCodes.MessagingUnavailable,
        "The registry cannot reach its message bus (NATS); retrying is safe.");

    /// <summary>Core.Events did not answer a control request (issue 11 section 3: replays and DLQ reads run there).</summary>
    public static readonly Outage Events = new(Fabrix.Core.Registry.Errors.Dependency.Unknown, RefusalCodes.EventsControlUnavailable,
        "Core.Events did not answer the registry's control request; retrying is safe.");

    public static readonly Outage Other = new(Fabrix.Core.Registry.Errors.Dependency.Unknown, RefusalCodes.DependencyUnavailable,
        "The registry cannot reach a service it depends on; retrying is safe.");

    /// <summary>The outage <paramref name="exception"/> (or an exception inside it) reports; null for anything else.</summary>
    public static Outage? From(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case Fabrix.Core.Registry.Events.EventsControlUnavailableException:
                    return Events;
                case PostgresException postgres:
                    // Server-side errors are outages only when they say the server cannot serve at all; a constraint
                    // violation or a syntax error is a bug and stays one.
                    return IsUnavailable(postgres.SqlState) ? Database : null;
                case NpgsqlException npgsql when npgsql.IsTransient:
                    // Client-side: connection refused or broken, timed out, pool exhausted.
                    return Database;
                case NatsNoRespondersException:
                    return Messaging;
                case NatsException nats when IsConnectionFailure(nats):
                    return Messaging;
                case SocketException:
                    return Other;
                case AggregateException { InnerExceptions.Count: 1 } aggregate:
                    return From(aggregate.InnerExceptions[0]);
            }
        }

        return null;
    }

    /// <summary>
    /// SQLSTATE class 08 (connection exception), 57P01–57P03 (the server is shutting down, crashed, or not accepting
    /// connections yet), 53300 (too many connections); PostgreSQL Appendix A.
    /// </summary>
    private static bool IsUnavailable(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections;

    private static bool IsConnectionFailure(NatsException exception) =>
        exception is NatsConnectionFailedException or NatsNoReplyException or NatsTimeoutException
        || exception.InnerException is SocketException or IOException or TimeoutException;
}
