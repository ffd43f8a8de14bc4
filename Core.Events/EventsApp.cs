namespace Fabrix.Core.Events;

/// <summary>
/// Marker for <c>WebApplicationFactory&lt;EventsApp&gt;</c>: several web apps referenced by one test project make
/// <c>Program</c> ambiguous (STACK.md), so tests name this type instead.
/// </summary>
public sealed class EventsApp
{
    private EventsApp()
    {
    }
}
