namespace Fabrix.Plugins.Samples.Hr;

/// <summary>
/// Marker of this app's assembly for <c>WebApplicationFactory&lt;T&gt;</c>: several web apps in one test project would
/// make <c>Program</c> ambiguous (STACK.md).
/// </summary>
public sealed class HrApp
{
    private HrApp()
    {
    }
}
