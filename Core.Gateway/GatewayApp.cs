namespace Fabrix.Core.Gateway;

/// <summary>
/// Marker for <c>WebApplicationFactory&lt;GatewayApp&gt;</c>: several web apps referenced by one test project make
/// <c>Program</c> ambiguous (STACK.md), so tests name this type instead.
/// </summary>
public sealed class GatewayApp
{
    private GatewayApp()
    {
    }
}
