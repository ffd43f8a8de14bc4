using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Fabrix.Core.Registry.Tests.Infrastructure;

/// <summary>
/// Collects the exception the host logs when start-up fails. <c>WebApplicationFactory</c> can surface an
/// <see cref="ObjectDisposedException"/> instead of that exception when the failed application disposes its host before the
/// factory asks it for its lifetime (a race that shows under load), so the host's own fault log is the reliable source.
/// </summary>
internal sealed class StartupFaults : ILoggerProvider
{
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";
    private readonly ConcurrentQueue<Exception> _faults = new();

    public Exception? First => _faults.TryPeek(out var fault) ? fault : null;

    public ILogger CreateLogger(string categoryName) =>
        categoryName == HostCategory ? new Collector(_faults) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Collector(ConcurrentQueue<Exception> faults) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is not null && logLevel >= LogLevel.Error)
            {
                faults.Enqueue(exception);
            }
        }
    }
}
