namespace Fabrix.Cli;

/// <summary>
/// Exit codes of every command (issue 2 section 9; issue 7 section 6). A script can tell what happened: 1 means the
/// registry said no (retrying the same request will not help), 2 that it could not be reached or could not do it now
/// (retrying may), 3 that it failed while handling the request (a bug; the outcome is unknown).
/// </summary>
internal static class ExitCodes
{
    /// <summary>Everything valid, or the registry did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>A manifest is invalid, or the registry refused the request.</summary>
    public const int Refused = 1;

    /// <summary>
    /// Bad usage, unreadable input, missing configuration; or the registry cannot be reached, did not answer in time,
    /// or answered that a service it depends on is unavailable (retrying is safe).
    /// </summary>
    public const int UsageOrIo = 2;

    /// <summary>The registry failed while handling the request (gRPC UNKNOWN, INTERNAL, ...); see its log.</summary>
    public const int RegistryError = 3;
}
