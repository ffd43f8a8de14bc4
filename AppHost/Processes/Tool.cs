namespace Fabrix.AppHost.Processes;

/// <summary>A machine binary a resource needs, and the Debian package that ships it.</summary>
internal sealed record Tool(string FileName, string Description, string Package)
{
    public static Tool InitDb { get; } = new("initdb", "PostgreSQL", "postgresql");
    public static Tool PgCtl { get; } = new("pg_ctl", "PostgreSQL", "postgresql");
    public static Tool Postgres { get; } = new("postgres", "PostgreSQL", "postgresql");
    public static Tool NatsServer { get; } = new("nats-server", "NATS server", "nats-server");
    public static Tool Dotnet { get; } = new("dotnet", ".NET SDK", "dotnet-sdk-10.0");
    public static Tool SetSid { get; } = new("setsid", "util-linux", "util-linux");
    public static Tool RunUser { get; } = new("runuser", "util-linux", "util-linux");

    /// <summary>
    /// One line naming what is missing and the fix (issue 2 section 5: "a one-line cause and the fix").
    /// </summary>
    public static string MissingMessage(IReadOnlyCollection<Tool> missing)
    {
        ArgumentOutOfRangeException.ThrowIfZero(missing.Count);
        var names = string.Join(", ", missing.Select(t => $"{t.FileName} ({t.Description})").Distinct(StringComparer.Ordinal));
        var packages = string.Join(' ', missing.Select(t => t.Package).Distinct(StringComparer.Ordinal));
        var verb = missing.Count == 1 ? "was" : "were";
        return $"{names} {verb} not found; install with `bash eng/setup.sh` or `sudo apt-get install -y {packages}`";
    }
}
