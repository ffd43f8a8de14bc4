namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// The tests that change or depend on the state of the sample plugins (a disable in the console, calls through the
/// gateway from accounting to user-management) share this collection, so xunit never runs them at the same time.
/// </summary>
internal static class SamplePlugins
{
    public const string Collection = "sample plugins";
}
