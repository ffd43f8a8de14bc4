using System.Data;
using Npgsql;

namespace Fabrix.Core.Registry.Persistence;

/// <summary>The registry's PostgreSQL database: opens connections and explicit transactions.</summary>
internal sealed partial class RegistryDatabase(NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<RegistryDatabase> logger)
{
    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>Opens a connection and begins a read-committed transaction whose clock reading is <see cref="RegistryTransaction.Now"/>.</summary>
    public Task<RegistryTransaction> BeginAsync(CancellationToken cancellationToken) => BeginAsync(IsolationLevel.ReadCommitted, cancellationToken);

    /// <summary>Begins a transaction at <paramref name="isolationLevel"/> (repeatable read: a consistent view of several reads, as the policy snapshot needs).</summary>
    public async Task<RegistryTransaction> BeginAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(isolationLevel, cancellationToken);
            return new RegistryTransaction(connection, transaction, PostgresPrecision(timeProvider.GetUtcNow()), this);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>PostgreSQL keeps microseconds: round down so what we return equals what we stored.</summary>
    internal static DateTimeOffset PostgresPrecision(DateTimeOffset time) => time.AddTicks(-(time.Ticks % 10));

    internal void ReportAfterCommitFailure(Exception exception) => LogAfterCommitFailed(logger, exception);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "An after-commit notification failed; the committed change stands")]
    private static partial void LogAfterCommitFailed(ILogger logger, Exception exception);
}
