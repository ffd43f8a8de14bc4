using Xunit;

namespace Fabrix.EndToEnd.Tests;

/// <summary>The e2e platform's port offset never lands a service on a port Chromium refuses (a CI run met console 10080).</summary>
public sealed class PlatformPortsTests
{
    [Theory]
    [InlineData(5080)] // console 5000 + 5080 = 10080
    [InlineData(1000)] // console 5000 + 1000 = 6000 (X11)
    [InlineData(4775)] // proxy 5305 + 4775 = 10080
    public void BrowserCanOpen_OffsetPuttingAPortOnChromiumsRestrictedList_False(int offset) => Assert.False(PlatformFixture.BrowserCanOpen(offset));

    [Theory]
    [InlineData(1010)]
    [InlineData(5090)]
    public void BrowserCanOpen_OrdinaryOffset_True(int offset) => Assert.True(PlatformFixture.BrowserCanOpen(offset));
}
