using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Fabrix.Contracts.Registry.V1;
using Npgsql;
using Xunit;
using Fabrix.Testing;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// Issue 7 sections 6 and 7 on the running platform: a registry killed with SIGKILL comes back, and NATS and PostgreSQL admit core only.
/// </summary>
public sealed class OperationsTests(PlatformFixture platform)
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Registry_KilledWithSigkill_IsRestartedAndHealthyAgain()
    {
        var killed = platform.ServicePid("registry") ?? throw new InvalidOperationException("The registry is not running.");

        using (var process = Process.GetProcessById(killed))
        {
            process.Kill(); // SIGKILL, as `kill -9` would
        }

        await WaitUntilAsync(async () => platform.ServicePid("registry") is { } pid && pid != killed && await IsHealthyAsync(platform.RegistryHttpUrl + "/health"));
        var plugin = await platform.WaitForPluginAsync("user-management", p => p.Summary.Status == PluginStatus.Active, Bound);

        Assert.Equal("user-management", plugin.Summary.Id);
        Assert.Contains("registry exited with code 137; restart", platform.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nats_ClientWithoutCredentials_IsRefused()
    {
        var nats = new Uri(platform.Endpoints["nats"]);
        using var client = new TcpClient();
        await client.ConnectAsync(nats.Host, nats.Port, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var info = await reader.ReadLineAsync(TestContext.Current.CancellationToken);

        await stream.WriteAsync(Encoding.ASCII.GetBytes("CONNECT {\"verbose\":false}\r\nPING\r\n"), TestContext.Current.CancellationToken);
        var answer = await reader.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.Contains("\"auth_required\":true", info, StringComparison.Ordinal);
        Assert.Equal("-ERR 'Authorization Violation'", answer);
    }

    [Fact]
    public async Task Postgres_PluginRole_IsRefusedByTheRegistryDatabase()
    {
        var postgres = new Uri(platform.Endpoints["postgres"]);
        var password = (await File.ReadAllTextAsync(Path.Combine(platform.DataRoot, "postgres", "roles", "usermanagement.password"), TestContext.Current.CancellationToken)).Trim();
        var plugin = new NpgsqlConnectionStringBuilder
        {
            Host = postgres.Host,
            Port = postgres.Port,
            Username = "usermanagement",
            Password = password,
            Pooling = false,
        };

        var own = await ScalarAsync(new NpgsqlConnectionStringBuilder(plugin.ConnectionString) { Database = "usermanagement" }.ConnectionString);
        var refused = await Assert.ThrowsAsync<PostgresException>(() =>
            ScalarAsync(new NpgsqlConnectionStringBuilder(plugin.ConnectionString) { Database = "registry" }.ConnectionString));

        Assert.Equal("usermanagement", own);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    private static async Task<object?> ScalarAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT current_database()::text", connection);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<bool> IsHealthyAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await http.GetAsync(new Uri(url), TestContext.Current.CancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition) =>
        Eventually.UntilAsync(condition, Bound, "platform condition", TestContext.Current.CancellationToken, every: TimeSpan.FromMilliseconds(250));
}
