using System.Collections.Concurrent;
using Fabrix.Contracts.Platform;

namespace Fabrix.Contracts.Tests.Platform;

public sealed class UuidsTests
{
    private static readonly DateTimeOffset s_time = new(2026, 12, 6, 21, 40, 12, 345, TimeSpan.Zero);

    [Fact]
    public void NewVersion7_HasRfc9562LayoutAndTheTimesMilliseconds()
    {
        var id = Uuids.NewVersion7(s_time);

        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.Variant >> 2);
        var text = id.ToString("N");
        Assert.Equal(s_time.ToUnixTimeMilliseconds(), Convert.ToInt64(text[..12], 16));
    }

    [Fact]
    public void NewVersion7_AgreesWithTheRuntimesVersion7OnEverythingButTheRandomBits()
    {
        var ours = Uuids.NewVersion7(s_time).ToString("N");
        var runtime = Guid.CreateVersion7(s_time).ToString("N");

        Assert.Equal(runtime[..13], ours[..13]); // 48 bits of milliseconds and the version nibble
        Assert.Contains(ours[16], "89ab"); // the variant's two high bits
    }

    [Fact]
    public void NewVersion7_IdsOfOneMillisecondDifferAcrossPoolRefills()
    {
        var ids = Enumerable.Range(0, Uuids.PoolIds * 5 + 3).Select(_ => Uuids.NewVersion7(s_time)).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(7, id.Version));
    }

    [Fact]
    public async Task NewVersion7_IsUniqueAcrossThreads()
    {
        var ids = new ConcurrentBag<Guid>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                ids.Add(Uuids.NewVersion7(s_time));
            }
        }, TestContext.Current.CancellationToken)));

        Assert.Equal(16_000, ids.Distinct().Count());
    }

    [Fact]
    public void NewVersion7_OrdersIdsOfLaterMillisecondsAfter()
    {
        var earlier = Uuids.NewVersion7(s_time).ToString();
        var later = Uuids.NewVersion7(s_time.AddMilliseconds(1)).ToString();

        Assert.True(string.CompareOrdinal(earlier, later) < 0, $"{earlier} should sort before {later}");
    }

    [Fact]
    public void NewVersion7_RefusesTimesBefore1970() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Uuids.NewVersion7(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
}
