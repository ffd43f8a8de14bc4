using Fabrix.Contracts.Canonical.V1;
using Npgsql;

namespace Fabrix.Plugins.Samples.Accounting.AccountOpening;

/// <summary>
/// Opens one account per user announced by <c>UserCreated</c>. Idempotent in the database: the user id is the primary
/// key and a second insert does nothing, so a redelivered event (at least once) never opens a second account.
/// </summary>
internal sealed class OpenedAccounts(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    /// <summary>True when the account was opened now, false when it existed.</summary>
    public async Task<bool> OpenAsync(UserCreated created, string eventId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO accounts (user_id, display_name, department, source_event, opened_at)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (user_id) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = created.UserId });
        command.Parameters.Add(new NpgsqlParameter { Value = created.DisplayName });
        command.Parameters.Add(new NpgsqlParameter { Value = created.Department });
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        command.Parameters.Add(new NpgsqlParameter { Value = timeProvider.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
