using Npgsql;

namespace Fabrix.Core.Registry.Persistence;

/// <summary>
/// One explicit database transaction with one clock reading (<see cref="Now"/>) shared by every row it writes, and
/// notifications that run only after a successful commit (in-process watchers, the outbox relay).
/// </summary>
internal sealed class RegistryTransaction : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly RegistryDatabase _database;
    private readonly List<Action> _afterCommit = [];
    private readonly List<Func<RegistryTransaction, CancellationToken, Task>> _beforeCommit = [];
    private NpgsqlTransaction? _transaction;

    internal RegistryTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, RegistryDatabase database)
    {
        _connection = connection;
        _transaction = transaction;
        _database = database;
        Now = now;
    }

    /// <summary>The time of this unit of work, from the injected <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Now { get; }

    public NpgsqlCommand CreateCommand(string sql)
    {
        var transaction = _transaction ?? throw new InvalidOperationException("The transaction has already completed.");
        return new NpgsqlCommand(sql, _connection, transaction);
    }

    /// <summary>
    /// Starts a binary <c>COPY ... FROM STDIN</c> inside this transaction (rows written through it commit or roll back
    /// with the transaction; row triggers and constraints run as for an INSERT).
    /// </summary>
    public Task<NpgsqlBinaryImporter> BeginBinaryImportAsync(string copyFromCommand, CancellationToken cancellationToken)
    {
        _ = _transaction ?? throw new InvalidOperationException("The transaction has already completed.");
        return _connection.BeginBinaryImportAsync(copyFromCommand, cancellationToken);
    }

    /// <summary>Serializes work on one key (for example one plugin id) until this transaction ends.</summary>
    public async Task LockAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = CreateCommand("select pg_advisory_xact_lock(hashtextextended(@key, 0))");
        command.Parameters.AddWithValue("key", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="work"/> inside the transaction right before it commits, after every other write (the policy
    /// revision, issue 9: its row lock is the last one taken, so its holder never waits on anything but the commit).
    /// </summary>
    public void BeforeCommit(Func<RegistryTransaction, CancellationToken, Task> work) => _beforeCommit.Add(work);

    /// <summary>Runs <paramref name="action"/> after the commit succeeds; never when the transaction rolls back.</summary>
    public void AfterCommit(Action action) => _afterCommit.Add(action);

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        var transaction = _transaction ?? throw new InvalidOperationException("The transaction has already completed.");
        foreach (var work in _beforeCommit)
        {
            await work(this, cancellationToken);
        }

        _beforeCommit.Clear();
        await transaction.CommitAsync(cancellationToken);
        await transaction.DisposeAsync();
        _transaction = null;
        foreach (var action in _afterCommit)
        {
            try
            {
                action();
            }
            catch (Exception exception) when (exception is InvalidOperationException or ObjectDisposedException)
            {
                _database.ReportAfterCommitFailure(exception);
            }
        }

        _afterCommit.Clear();
    }

    public async Task RollbackAsync(CancellationToken cancellationToken)
    {
        _beforeCommit.Clear();
        _afterCommit.Clear();
        if (_transaction is { } transaction)
        {
            _transaction = null;
            await transaction.RollbackAsync(cancellationToken);
            await transaction.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _beforeCommit.Clear();
        _afterCommit.Clear();
        if (_transaction is { } transaction)
        {
            _transaction = null;
            await transaction.DisposeAsync();
        }

        await _connection.DisposeAsync();
    }
}
