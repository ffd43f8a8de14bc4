using Microsoft.Extensions.Logging;

namespace Fabrix.Core.Registry.Tests.Infrastructure;

/// <summary>
/// A debugging aid for failures seen only in full runs: with <c>FABRIX_TEST_LOG=/path/file</c> set, every registry a
/// test starts appends its <c>Fabrix.*</c> log lines (debug and up, with a UTC time) to that one file. Off by default.
/// </summary>
internal sealed class FileLog(string path) : ILoggerProvider
{
    public const string Variable = "FABRIX_TEST_LOG";

    private static readonly Lock Gate = new();

    public ILogger CreateLogger(string categoryName) => new Writer(path, categoryName);

    public void Dispose()
    {
    }

    private sealed class Writer(string path, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug && category.StartsWith("Fabrix", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}{Environment.NewLine}";
            lock (Gate)
            {
                File.AppendAllText(path, line);
            }
        }
    }
}
