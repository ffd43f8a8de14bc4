namespace Fabrix.Cli;

/// <summary>Exit codes of every command (issue 2 section 9).</summary>
internal static class ExitCodes
{
    /// <summary>Everything valid, or the registry did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>A manifest is invalid, or the registry refused the request.</summary>
    public const int Refused = 1;

    /// <summary>Bad usage, unreadable input, missing configuration or no connection.</summary>
    public const int UsageOrIo = 2;
}
