namespace Fabrix.AppHost;

/// <summary>
/// An expected failure (a port in use, a missing binary, a service that did not become ready): the AppHost
/// prints <see cref="Exception.Message"/> as one line and exits non-zero, never a stack trace.
/// </summary>
internal sealed class AppHostException : Exception
{
    public AppHostException(string message)
        : base(message)
    {
    }

    public AppHostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AppHostException()
    {
    }

    /// <summary>Context printed (dimmed) above the one-line cause, e.g. the last lines of a service's log.</summary>
    public IReadOnlyList<string> Details { get; init; } = [];
}
