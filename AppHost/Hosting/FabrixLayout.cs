namespace Fabrix.AppHost.Hosting;

/// <summary>
/// Where everything of one platform lives: the repository, the data folder (<c>--data</c>, default <c>.fabrix/</c>) and
/// the port offset. Registered as a singleton so that resources, health checks and the ready line agree.
/// </summary>
internal sealed record FabrixLayout(string RepositoryRoot, string DataRoot, int PortOffset)
{
    public int Port(int defaultPort) => defaultPort + PortOffset;

    public string DataPath(string relativePath) => Path.Combine(DataRoot, relativePath);

    /// <summary>The development administrator key (core services sign administrator calls with it).</summary>
    public string DevAdminKeyFile => DataPath("keys/dev-admin.pem");

    /// <summary>Its public half, the only part plugins get: they check administrator tokens but cannot mint them.</summary>
    public string DevAdminPublicKeyFile => DataPath("keys/dev-admin.pub.pem");

    public string LogsDirectory => DataPath("logs");

    /// <summary>A path for messages: relative to the current directory when under it.</summary>
    public static string Display(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
