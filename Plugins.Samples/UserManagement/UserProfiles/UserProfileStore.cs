using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Fabrix.Plugins.Samples.UserManagement.UserProfiles;

/// <summary>What a write did.</summary>
internal enum UserProfileWrite
{
    Done,
    NotFound,
    DuplicateId,
    DuplicateEmail,
}

/// <summary>Profiles in PostgreSQL, with plain Npgsql: one statement per operation, uniqueness enforced by the database.</summary>
internal sealed class UserProfileStore(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    private const string Columns = "id, display_name, email, department, manager, attributes, created_at, updated_at";
    private const string PrimaryKey = "user_profiles_pkey";
    private const string EmailKey = "user_profiles_email_key";

    public async Task<UserProfile?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM user_profiles WHERE id = $1");
        command.Parameters.Add(Text(id));
        return await ReadSingleAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<UserProfile>> ListAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM user_profiles WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2");
        command.Parameters.Add(Text(after));
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var profiles = new List<UserProfile>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            profiles.Add(Read(reader));
        }

        return profiles;
    }

    public async Task<(UserProfileWrite Outcome, UserProfile? Profile)> CreateAsync(string id, UserProfileFields fields, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO user_profiles ({Columns})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
            RETURNING {Columns}
            """);
        command.Parameters.Add(Text(id));
        AddFields(command, fields);
        command.Parameters.Add(new NpgsqlParameter { Value = timeProvider.GetUtcNow() });
        return await WriteAsync(command, cancellationToken);
    }

    public async Task<(UserProfileWrite Outcome, UserProfile? Profile)> UpdateAsync(string id, UserProfileFields fields, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE user_profiles
            SET display_name = $2, email = $3, department = $4, manager = $5, attributes = $6, updated_at = $7
            WHERE id = $1
            RETURNING {Columns}
            """);
        command.Parameters.Add(Text(id));
        AddFields(command, fields);
        command.Parameters.Add(new NpgsqlParameter { Value = timeProvider.GetUtcNow() });
        return await WriteAsync(command, cancellationToken);
    }

    private static async Task<(UserProfileWrite, UserProfile?)> WriteAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        try
        {
            var profile = await ReadSingleAsync(command, cancellationToken);
            return profile is null ? (UserProfileWrite.NotFound, null) : (UserProfileWrite.Done, profile);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return ex.ConstraintName switch
            {
                PrimaryKey => (UserProfileWrite.DuplicateId, null),
                EmailKey => (UserProfileWrite.DuplicateEmail, null),
                _ => throw new InvalidOperationException($"Unexpected unique violation on {ex.ConstraintName}.", ex),
            };
        }
    }

    private static void AddFields(NpgsqlCommand command, UserProfileFields fields)
    {
        command.Parameters.Add(Text(fields.DisplayName));
        command.Parameters.Add(Text(fields.Email));
        command.Parameters.Add(Text(fields.Department));
        command.Parameters.Add(Text(fields.Manager));
        command.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Jsonb,
            Value = JsonSerializer.Serialize(
                fields.Attributes as Dictionary<string, string> ?? new Dictionary<string, string>(fields.Attributes, StringComparer.Ordinal),
                UserProfilesJsonContext.Default.DictionaryStringString),
        });
    }

    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = value is null ? DBNull.Value : value };

    private static async Task<UserProfile?> ReadSingleAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static UserProfile Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        JsonSerializer.Deserialize(reader.GetString(5), UserProfilesJsonContext.Default.DictionaryStringString) ?? [],
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.GetFieldValue<DateTimeOffset>(7));
}
