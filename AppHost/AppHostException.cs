namespace Fabrix.AppHost;

/// <summary>
/// An expected failure with a known fix (a port in use, a missing binary, a data folder user <c>postgres</c> cannot
/// enter): the AppHost prints <see cref="Exception.Message"/> as one line, <c>error: ...</c>, and exits with code 1.
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
}
