using Xunit;

namespace Fabrix.EndToEnd.Tests;

/// <summary>The port offsets the end-to-end platforms run at: never two that share a port.</summary>
public sealed class PortOffsetTests
{
    [Theory]
    [InlineData(6460, 6370, true)] // accounting 5210 + 6460 = Core.Gateway 5300 + 6370: the collision of 2026-12-07
    [InlineData(6460, 6470, true)] // user-management 5200 + 6470 = accounting 5210 + 6460
    [InlineData(6460, 6460, true)]
    [InlineData(2000, 6000, true)] // nats 4222 + 6000 = the NATS monitor 8222 + 2000
    [InlineData(6460, 6485, true)] // notifications 5225 + 6460 = user-management 5200 + 6485
    [InlineData(6460, 6960, false)]
    [InlineData(6460, 7460, false)]
    public void Overlaps_TwoOffsets_TrueExactlyWhenTheyShareAPort(int a, int b, bool shared) => Assert.Equal(shared, PlatformFixture.Overlaps(a, b));

    [Fact]
    public async Task FindFreeOffsetAsync_SeveralInOneRun_NoTwoShareAPort()
    {
        var offsets = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            offsets.Add(await PlatformFixture.FindFreeOffsetAsync());
        }

        foreach (var a in offsets)
        {
            Assert.All(offsets.Where(b => b != a), b => Assert.False(PlatformFixture.Overlaps(a, b), $"offsets {a} and {b} share a port"));
        }

        Assert.Equal(offsets.Count, offsets.Distinct().Count());
    }
}
