namespace Fabrix.Plugins.Samples.Notifications;

/// <summary>
/// Marker of this app's assembly for <c>WebApplicationFactory&lt;T&gt;</c>: several web apps in one test project would
/// make <c>Program</c> ambiguous (STACK.md).
/// </summary>
public sealed class NotificationsApp
{
    private NotificationsApp()
    {
    }
}
