namespace Fabrix.Core.Proxy;

/// <summary>Marker for <c>WebApplicationFactory&lt;ProxyApp&gt;</c> (several web apps in one test project make <c>Program</c> ambiguous).</summary>
public sealed class ProxyApp
{
    private ProxyApp()
    {
    }
}
