namespace Fabrix.AppHost.Hosting;

/// <summary>What a user (or a test) can change from the command line or the environment.</summary>
internal sealed record AppHostOptions
{
    /// <summary>Data root (<c>--data</c>, else <c>FABRIX_HOME</c>); null means <c>.fabrix/</c> at the repository root.</summary>
    public string? DataRoot { get; init; }

    /// <summary>Added to every default port (<c>--port-offset</c>, else <c>FABRIX_PORT_OFFSET</c>).</summary>
    public int PortOffset { get; init; }

    /// <summary>Explicit ports (<c>--port registry.http=6100</c>), keyed <c>RESOURCE.ENDPOINT</c>; they ignore the offset.</summary>
    public IReadOnlyDictionary<string, int> PortOverrides { get; init; } = new Dictionary<string, int>();

    /// <summary>Run the projects as last built (<c>--no-build</c>).</summary>
    public bool NoBuild { get; init; }

    /// <summary>How long each resource may take to become ready (<c>--startup-timeout</c>, seconds).</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(120);
}
