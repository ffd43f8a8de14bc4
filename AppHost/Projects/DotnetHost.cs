using Fabrix.AppHost.Processes;

namespace Fabrix.AppHost.Projects;

/// <summary>Finds the <c>dotnet</c> executable, preferring the one running the AppHost.</summary>
internal static class DotnetHost
{
    public static string? Locate(ExecutableLocator locator)
    {
        var hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath))
        {
            return hostPath;
        }

        var processPath = Environment.ProcessPath;
        if (processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            return processPath;
        }

        var dotnetRoot = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        return locator.Find("dotnet", string.IsNullOrEmpty(dotnetRoot) ? [] : [dotnetRoot])
            ?? locator.Find("dotnet", ["/usr/share/dotnet", "/usr/lib/dotnet"]);
    }
}
