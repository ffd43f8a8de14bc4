using Microsoft.Extensions.Logging;

namespace Fabrix.AppHost.Tests.Support;

/// <summary>An <see cref="ILogger"/> that keeps every formatted message, to read what the AppHost would have logged.</summary>
internal class RecordingLogger : ILogger
{
    private readonly List<string> _messages = [];

    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        lock (_messages)
        {
            _messages.Add(formatter(state, exception));
        }
    }
}

/// <summary>A <see cref="RecordingLogger"/> for a service that takes an <see cref="ILogger{TCategoryName}"/>.</summary>
internal sealed class RecordingLogger<T> : RecordingLogger, ILogger<T>;
