using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Fabrix.Benchmarks.Gateway;

namespace Fabrix.Benchmarks.Proxy;

/// <summary>
/// <c>proxy-connect</c> (issue 12 section 6): bytes per second through a Core.Proxy <c>CONNECT</c> tunnel against
/// direct, from a byte source on 127.0.0.1 (a client sends the byte count it wants, the source writes that many bytes and
/// closes). One large transfer (1 GiB by default) and many small ones (each its own connection, and through the proxy its
/// own CONNECT: token check, policy, address check, audit), interleaved and repeated; medians. Rates are megabits per
/// second (10^6 bits).
/// </summary>
internal static class ProxyConnectBenchmark
{
    private const int BufferSize = 256 * 1024;
    private const int SmallParallel = 8;

    public static async Task<int> RunAsync(ProxyBenchArguments arguments, TextWriter output, CancellationToken cancellationToken)
    {
        using var source = new ByteSource();
        await using var platform = await ProxyBenchPlatform.StartAsync(arguments, output, cancellationToken);
        var authority = $"{ProxyBenchPlatform.ReceiverHost}:{source.Port}";
        var ways = new (string Name, Func<long, Task<long>> Transfer)[]
        {
            ("direct", count => TransferAsync(source.Port, null, count, cancellationToken)),
            ("proxy", count => TransferAsync(platform.ProxyAddress.Port, (authority, platform.Token), count, cancellationToken)),
        };

        // Until the proxy's policy snapshot holds the plugin, a tunnel is refused.
        var ready = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await ways[1].Transfer(1024);
                break;
            }
            catch (InvalidOperationException refused) when (ready.Elapsed < TimeSpan.FromSeconds(60))
            {
                output.WriteLine($"waiting for the proxy: {refused.Message}");
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }

        output.WriteLine($"{Environment.ProcessorCount} cores; large transfer {arguments.Bytes:N0} bytes, {arguments.SmallCount} small transfers of {arguments.SmallSize:N0} bytes " +
            $"({SmallParallel} at a time), {arguments.Rounds} rounds; load average {BenchSteps.LoadAverage()}");
        // Warm-up: JIT and the proxy's caches, on both ways.
        foreach (var (_, transfer) in ways)
        {
            await transfer(Math.Min(arguments.Bytes, 64L << 20));
        }

        var large = ways.ToDictionary(w => w.Name, _ => new List<double>());
        var small = ways.ToDictionary(w => w.Name, _ => new List<double>());
        for (var round = 0; round < arguments.Rounds; round++)
        {
            foreach (var (name, transfer) in BenchSteps.Rotated(ways, round))
            {
                var watch = Stopwatch.StartNew();
                var moved = await transfer(arguments.Bytes);
                var mbps = Mbps(moved, watch.Elapsed);
                large[name].Add(mbps);
                output.WriteLine($"round {round + 1} {name,-6} large {moved:N0} bytes in {watch.Elapsed.TotalSeconds:0.000} s: {mbps:0} Mbit/s ({mbps / 8:0} MB/s)  load {BenchSteps.LoadAverage()}");
            }

            foreach (var (name, transfer) in BenchSteps.Rotated(ways, round))
            {
                var next = -1;
                long moved = 0;
                var watch = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, SmallParallel).Select(async _ =>
                {
                    while (Interlocked.Increment(ref next) < arguments.SmallCount)
                    {
                        var got = await transfer(arguments.SmallSize);
                        Interlocked.Add(ref moved, got);
                    }
                }));
                var mbps = Mbps(moved, watch.Elapsed);
                small[name].Add(mbps);
                output.WriteLine($"round {round + 1} {name,-6} small {arguments.SmallCount} × {arguments.SmallSize:N0} bytes in {watch.Elapsed.TotalSeconds:0.000} s: {mbps:0} Mbit/s, " +
                    $"{arguments.SmallCount / watch.Elapsed.TotalSeconds:0} transfers/s  load {BenchSteps.LoadAverage()}");
            }
        }

        output.WriteLine($"decision audit: {await platform.AuditedDecisionsAsync("lane.proxy.tunnel", cancellationToken)} lane.proxy.tunnel rows in the registry's chain so far");
        double Median(Dictionary<string, List<double>> results, string name) => BenchSteps.Median(results[name]);
        var ratio = Median(large, "proxy") / Median(large, "direct");
        var summary = new Dictionary<string, object?>
        {
            ["bench"] = "proxy-connect",
            ["direct_mbps"] = BenchSteps.Round(Median(large, "direct"), 0),
            ["proxy_mbps"] = BenchSteps.Round(Median(large, "proxy"), 0),
            ["ratio"] = BenchSteps.Round(ratio, 3),
            ["bytes"] = arguments.Bytes,
            ["small_direct_mbps"] = BenchSteps.Round(Median(small, "direct"), 0),
            ["small_proxy_mbps"] = BenchSteps.Round(Median(small, "proxy"), 0),
            ["small_ratio"] = BenchSteps.Round(Median(small, "proxy") / Median(small, "direct"), 3),
        };
        var goals = new[] { ("ratio >= 0.85 on the large transfer", ratio >= 0.85) };
        output.WriteLine("goals: " + string.Join(", ", goals.Select(g => $"{g.Item1}: {(g.Item2 ? "met" : "MISSED")}")));
        output.WriteLine(JsonSerializer.Serialize(summary));
        return goals.All(g => g.Item2) ? 0 : 1;
    }

    private static double Mbps(long bytes, TimeSpan elapsed) => bytes * 8 / elapsed.TotalSeconds / 1e6;

    /// <summary>
    /// Connects to <paramref name="port"/> (through a CONNECT to <paramref name="tunnel"/>'s authority with its token when
    /// given), asks for <paramref name="count"/> bytes and reads them to the end; the bytes received. A refused CONNECT or a
    /// short transfer is an <see cref="InvalidOperationException"/>.
    /// </summary>
    private static async Task<long> TransferAsync(int port, (string Authority, string Token)? tunnel, long count, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            if (tunnel is { } connect)
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes(
                    $"CONNECT {connect.Authority} HTTP/1.1\r\nHost: {connect.Authority}\r\nProxy-Authorization: Bearer {connect.Token}\r\n\r\n"), cancellationToken);
                var head = await ReadHeadAsync(socket, cancellationToken);
                if (!head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"CONNECT refused: {head.Split("\r\n")[0]}");
                }
            }

            BinaryPrimitives.WriteInt64LittleEndian(buffer, count);
            await socket.SendAsync(buffer.AsMemory(0, sizeof(long)), cancellationToken);
            long received = 0;
            int read;
            while ((read = await socket.ReceiveAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                received += read;
            }

            return received == count
                ? received
                : throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Received {received} of {count} bytes."));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The CONNECT answer's head, byte by byte: what follows it belongs to the tunnel.</summary>
    private static async Task<string> ReadHeadAsync(Socket socket, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await socket.ReceiveAsync(one, cancellationToken) == 0)
            {
                throw new InvalidOperationException($"The proxy closed the connection: {head}");
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }

    /// <summary>A loopback server that reads a byte count (8 bytes, little-endian) and writes that many bytes, then closes.</summary>
    private sealed class ByteSource : IDisposable
    {
        private static readonly byte[] Chunk = [.. Enumerable.Range(0, BufferSize).Select(i => (byte)i)];
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly CancellationTokenSource _stop = new();

        public ByteSource()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(512);
            Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
            _ = AcceptAsync();
        }

        public int Port { get; }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Dispose();
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptAsync(_stop.Token);
                    _ = ServeAsync(client);
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }

        private async Task ServeAsync(Socket client)
        {
            using (client)
            {
                try
                {
                    client.NoDelay = true;
                    var request = new byte[sizeof(long)];
                    var got = 0;
                    while (got < request.Length)
                    {
                        var read = await client.ReceiveAsync(request.AsMemory(got), _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        got += read;
                    }

                    var remaining = BinaryPrimitives.ReadInt64LittleEndian(request);
                    while (remaining > 0)
                    {
                        remaining -= await client.SendAsync(Chunk.AsMemory(0, (int)Math.Min(remaining, Chunk.Length)), _stop.Token);
                    }

                    client.Shutdown(SocketShutdown.Send);
                }
                catch (Exception exception) when (exception is OperationCanceledException or SocketException)
                {
                }
            }
        }
    }
}
