namespace Fabrix.Core.Registry;

/// <summary>
/// Marker for <c>WebApplicationFactory&lt;RegistryApp&gt;</c>: several web apps referenced by one test project make
/// <c>Program</c> ambiguous (STACK.md), so tests name this type instead.
/// </summary>
public sealed class RegistryApp
{
    private RegistryApp()
    {
    }
}
