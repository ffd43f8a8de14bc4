using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Fabrix.Testing;

/// <summary>A throwaway nats-server with JetStream (file store in a temp folder) on a free loopback port.</summary>
public sealed class NatsServer : IAsyncLifetime
{
    private Process? _process;
    private string? _root;

    /// <summary>Loopback port the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>Client URL, e.g. <c>nats://127.0.0.1:4222</c>.</summary>
    public string Url => $"nats://127.0.0.1:{Port}";

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var binary = ExternalCommand.Find("nats-server", "/usr/sbin", "/usr/bin", "/usr/local/bin")
            ?? throw new InvalidOperationException("nats-server not found: run `bash eng/setup.sh` (apt-get install -y nats-server).");
        _root = Directory.CreateTempSubdirectory("fabrix-nats-").FullName;

        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Next();
            var info = new ProcessStartInfo(binary)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[] { "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-js", "-sd", Path.Combine(_root, "js"), "-l", Path.Combine(_root, "nats.log") })
            {
                info.ArgumentList.Add(argument);
            }

            _process = Process.Start(info) ?? throw new InvalidOperationException("Could not start nats-server.");
            _process.StandardInput.Close();
            _process.OutputDataReceived += static (_, _) => { };
            _process.ErrorDataReceived += static (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();

            if (await WaitUntilReadyAsync(_process, Port))
            {
                return;
            }

            await StopAsync();
            if (attempt >= 3)
            {
                var log = Path.Combine(_root, "nats.log");
                throw new InvalidOperationException($"nats-server did not become ready: {(File.Exists(log) ? await File.ReadAllTextAsync(log) : "no log")}");
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_root is not null && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>Stops the server (SIGKILL), as a crash would. The fixture is single-use afterwards.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _process = null;
    }

    private static async Task<bool> WaitUntilReadyAsync(Process process, int port)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (process.HasExited)
            {
                return false;
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                var buffer = new byte[4];
                var read = await client.GetStream().ReadAsync(buffer);
                if (read == 4 && Encoding.ASCII.GetString(buffer) == "INFO")
                {
                    return true;
                }
            }
            catch (SocketException)
            {
            }

            await Task.Delay(50);
        }

        return false;
    }
}
