using System.Diagnostics;
using System.Net;
using Fabrix.Benchmarks.AuditIngest;
using Npgsql;

namespace Fabrix.Benchmarks;

/// <summary>
/// Starting the platform's Release builds as processes of their own, the same way for every benchmark: the
/// <c>dotnet &lt;dll&gt;</c> start information with its environment, the wait until <c>/health</c> answers 200, and the
/// benchmark database's create and drop.
/// </summary>
internal static class BenchProcess
{
    /// <summary>How long a part may take to become healthy (a loaded 2-core machine starts .NET services slowly).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary><c>dotnet &lt;dll&gt;</c> in the dll's folder, with <paramref name="environment"/>.</summary>
    public static ProcessStartInfo Dotnet(string dll, IEnumerable<(string Name, string Value)> environment)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dll))! };
        info.ArgumentList.Add(Path.GetFullPath(dll));
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return info;
    }

    /// <summary>Polls <c>/health</c> until it answers 200; fails at once when the process exits, or after <see cref="StartTimeout"/>.</summary>
    public static async Task WaitHealthyAsync(string name, Uri address, ChildProcess process, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (!process.Running)
            {
                throw new InvalidOperationException($"The {name} exited during start-up (see {process.Name}.log in the work folder; KEEP_WORK=1 keeps it).");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (started.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"The {name} was not healthy within {StartTimeout.TotalSeconds:0} s (see {process.Name}.log in the work folder; KEEP_WORK=1 keeps it).");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>Runs one statement on <paramref name="connection"/> (create or drop the benchmark database).</summary>
    public static async Task ExecuteAsync(string connection, string sql, CancellationToken cancellationToken)
    {
        await using var server = new NpgsqlConnection(connection);
        await server.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, server);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
