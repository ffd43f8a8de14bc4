using Microsoft.Extensions.Options;
using Npgsql;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// Health monitor leadership on the registry's PostgreSQL: the leader holds a session-level advisory lock on one
/// dedicated connection. Standbys try for it every <c>TargetRefreshInterval</c>; the leader checks its connection as
/// often and reports the lease lost when it broke (PostgreSQL released the lock then, so a standby may already lead:
/// two instances overlap for at most one such period). Disposing the lease unlocks and closes the connection.
/// </summary>
internal sealed partial class PostgresHealthLeadership(
    NpgsqlDataSource dataSource,
    IOptions<HealthOptions> options,
    TimeProvider timeProvider,
    ILogger<PostgresHealthLeadership> logger) : IHealthLeadership
{
    /// <summary>The advisory lock's key; any text distinct from the registry's other lock keys.</summary>
    internal const string LockKey = "fabrix.registry.health-monitor";

    private const string TryLock = "select pg_try_advisory_lock(hashtextextended(@key, 0))";

    public async Task<IHealthLease> AcquireAsync(CancellationToken cancellationToken)
    {
        var period = options.Value.TargetRefreshInterval;
        var waiting = false;
        while (true)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await dataSource.OpenConnectionAsync(cancellationToken);
                await using (var command = new NpgsqlCommand(TryLock, connection))
                {
                    command.Parameters.AddWithValue("key", LockKey);
                    if (await command.ExecuteScalarAsync(cancellationToken) is true)
                    {
                        var lease = new Lease(connection, period, timeProvider, logger);
                        connection = null;
                        return lease;
                    }
                }

                if (!waiting)
                {
                    LogStandingBy(logger);
                    waiting = true;
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                LogAcquireFailed(logger, exception);
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }

            await Task.Delay(period, timeProvider, cancellationToken);
        }
    }

    private sealed class Lease : IHealthLease
    {
        private readonly NpgsqlConnection _connection;
        private readonly CancellationTokenSource _lost = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _watch;

        public Lease(NpgsqlConnection connection, TimeSpan period, TimeProvider timeProvider, ILogger logger)
        {
            _connection = connection;
            Lost = _lost.Token;
            _watch = WatchAsync(period, timeProvider, logger);
        }

        public CancellationToken Lost { get; }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _watch;
            try
            {
                if (!_lost.IsCancellationRequested)
                {
                    await using var unlock = new NpgsqlCommand("select pg_advisory_unlock(hashtextextended(@key, 0))", _connection);
                    unlock.Parameters.AddWithValue("key", LockKey);
                    await unlock.ExecuteNonQueryAsync(CancellationToken.None);
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // Closing the connection below releases the lock anyway.
            }

            await _connection.DisposeAsync();
            _lost.Dispose();
            _stop.Dispose();
        }

        /// <summary>Pings the lock's connection every period; a failed ping means the lock is gone.</summary>
        private async Task WatchAsync(TimeSpan period, TimeProvider timeProvider, ILogger logger)
        {
            try
            {
                while (true)
                {
                    await Task.Delay(period, timeProvider, _stop.Token);
                    try
                    {
                        await using var ping = new NpgsqlCommand("select 1", _connection);
                        await ping.ExecuteNonQueryAsync(_stop.Token);
                    }
                    catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
                    {
                        LogLeaseLost(logger, exception);
                        await _lost.CancelAsync();
                        return;
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }
    }

    [LoggerMessage(EventId = 1330, Level = LogLevel.Information, Message = "Another registry instance runs the health monitor; this one stands by")]
    private static partial void LogStandingBy(ILogger logger);

    [LoggerMessage(EventId = 1331, Level = LogLevel.Warning, Message = "Trying to become the health monitor failed; will retry")]
    private static partial void LogAcquireFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1332, Level = LogLevel.Warning, Message = "The health monitor's leadership connection broke: monitoring stops here until it is regained")]
    private static partial void LogLeaseLost(ILogger logger, Exception exception);
}
