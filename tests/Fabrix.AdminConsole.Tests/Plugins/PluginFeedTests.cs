using Fabrix.AdminConsole.Plugins;
using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Kind = Fabrix.Contracts.Registry.V1.PluginChange.Types.Kind;

namespace Fabrix.AdminConsole.Tests.Plugins;

public sealed class PluginFeedTests : IAsyncDisposable
{
    private readonly FakePluginCatalog _catalog = new();
    private readonly FakeTimeProvider _time = new();
    private readonly PluginFeed _feed;

    public PluginFeedTests() => _feed = new PluginFeed(_catalog, _time, NullLogger<PluginFeed>.Instance);

    [Fact]
    public async Task PluginFeed_Started_ListsThenAppliesChangesInOrder()
    {
        _catalog.Listed.Add(Support.Plugins.Summary("billing", PluginStatus.Active));
        _feed.Start();
        await Eventually.TrueAsync(() => _feed.IsLoaded, "the list is loaded");

        _catalog.Push(Kind.Snapshot, Support.Plugins.Summary("billing", PluginStatus.Active));
        _catalog.Push(Kind.Upserted, Support.Plugins.Summary("mailer", PluginStatus.Installed));
        _catalog.Push(Kind.Upserted, Support.Plugins.Summary("billing", PluginStatus.Disabled));
        _catalog.Push(Kind.Removed, new PluginSummary { Id = "mailer" });

        await Eventually.TrueAsync(() => _feed.Plugins is [{ Id: "billing", Status: PluginStatus.Disabled }], "billing is disabled and mailer gone");
        Assert.Equal(PluginFeedStatus.Live, _feed.Status);
    }

    [Fact]
    public async Task PluginFeed_MorePluginsThanOnePage_ReadsEveryPageFollowingTheTokens()
    {
        for (var i = 0; i < 120; i++)
        {
            _catalog.Listed.Add(Support.Plugins.Summary($"plugin-{i:D3}", PluginStatus.Active));
        }

        _feed.Start();
        await Eventually.TrueAsync(() => _feed.IsLoaded, "the list is loaded");

        Assert.Equal(120, _feed.Plugins.Count);
        Assert.Equal([("", 50), ("50", 50), ("100", 50)], _catalog.ListRequests.Select(r => (r.PageToken, r.PageSize)));
    }

    [Fact]
    public async Task PluginFeed_SnapshotRepeatsTheList_PublishesNoChange()
    {
        _catalog.Listed.Add(Support.Plugins.Summary("billing", PluginStatus.Active));
        _feed.Start();
        await Eventually.TrueAsync(() => _feed.IsLoaded, "the list is loaded");
        // Changed runs on the feed's loop before the next message is applied: it sees each published state in turn.
        var published = new List<PluginStatus>();
        _feed.Changed += () =>
        {
            lock (published)
            {
                published.Add(_feed.Plugins[0].Status);
            }
        };

        _catalog.Push(Kind.Snapshot, Support.Plugins.Summary("billing", PluginStatus.Active));
        _catalog.Push(Kind.Upserted, Support.Plugins.Summary("billing", PluginStatus.Disabled));

        await Eventually.TrueAsync(() => { lock (published) { return published.Contains(PluginStatus.Disabled); } }, "the upsert is published");
        lock (published)
        {
            Assert.Equal([PluginStatus.Disabled], published);
        }
    }

    [Fact]
    public async Task PluginFeed_StreamBreaks_ReconnectsAfterBackoffAndReloadsTheList()
    {
        _catalog.Listed.Add(Support.Plugins.Summary("billing", PluginStatus.Active));
        _catalog.Listed.Add(Support.Plugins.Summary("mailer", PluginStatus.Active));
        _feed.Start();
        await Eventually.TrueAsync(() => _feed.Plugins.Count == 2, "both plugins are listed");

        // mailer is removed while the console is cut off: only the reloaded list can tell.
        _catalog.Listed.RemoveAt(1);
        _catalog.BreakStream(new RegistryException(StatusCode.Unavailable, "The registry is unavailable (connection refused).", []));

        await Eventually.TrueAsync(() => _feed.Status == PluginFeedStatus.Reconnecting, "the feed is reconnecting");
        Assert.Equal("The registry is unavailable (connection refused).", _feed.Problem);
        Assert.Equal(TimeSpan.FromSeconds(1), _feed.RetryDelay);
        Assert.Equal(1, _catalog.StreamsOpened);

        _time.Advance(TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(() => _feed.Status == PluginFeedStatus.Live && _catalog.StreamsOpened == 2, "the feed is live again");
        Assert.Equal(["billing"], _feed.Plugins.Select(p => p.Id));
        _catalog.Push(Kind.Upserted, Support.Plugins.Summary("billing", PluginStatus.Disabled));
        await Eventually.TrueAsync(() => _feed.Plugins is [{ Status: PluginStatus.Disabled }], "changes flow on the new stream");
    }

    [Fact]
    public async Task PluginFeed_RegistryKeepsFailing_DoublesTheDelayUpToTheCap()
    {
        _catalog.ListFailure = new RegistryException(StatusCode.Unavailable, "down", []);

        var delays = new List<TimeSpan>();
        _feed.Changed += () =>
        {
            if (_feed.Status == PluginFeedStatus.Reconnecting)
            {
                lock (delays)
                {
                    delays.Add(_feed.RetryDelay);
                }
            }
        };
        _feed.Start();

        for (var attempt = 1; attempt <= 7; attempt++)
        {
            await Eventually.TrueAsync(() => Count(delays) == attempt, $"attempt {attempt} failed");
            lock (delays)
            {
                _time.Advance(delays[attempt - 1]);
            }
        }

        lock (delays)
        {
            Assert.Equal([1, 2, 4, 8, 16, 30, 30], delays.Take(7).Select(d => d.TotalSeconds));
        }

        Assert.False(_feed.IsLoaded);
    }

    [Fact]
    public async Task PluginFeed_ChangesArrive_RecordsStatusHealthAndVersionChangesButNotHeartbeats()
    {
        _catalog.Listed.Add(Support.Plugins.Summary("billing", PluginStatus.Active));
        _catalog.Listed.Add(Support.Plugins.Summary("mailer", PluginStatus.Active));
        _feed.Start();
        await Eventually.TrueAsync(() => _feed.IsLoaded, "the list is loaded");

        var seen = Support.Plugins.Summary("billing", PluginStatus.Active);
        seen.LastSeenAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
        _catalog.Push(Kind.Upserted, seen);
        var degraded = seen.Clone();
        degraded.Health = HealthState.Degraded;
        degraded.Version = "1.1.0";
        _catalog.Push(Kind.Upserted, degraded);
        _catalog.Push(Kind.Upserted, Support.Plugins.Summary("mailer", PluginStatus.Disabled));
        _catalog.Push(Kind.Upserted, Support.Plugins.Summary("search", PluginStatus.Installed));
        _catalog.Push(Kind.Removed, new PluginSummary { Id = "search" });

        await Eventually.TrueAsync(() => _feed.RecentChanges.Count == 4, "four changes are recorded");
        Assert.Equal(
            [
                ("search", "removed (uninstalled)"),
                ("search", "appeared as installed"),
                ("mailer", "active → disabled"),
                ("billing", "health unknown → degraded; version 1.0.0 → 1.1.0"),
            ],
            _feed.RecentChanges.Select(c => (c.PluginId, c.Description)));
    }

    [Fact]
    public async Task PluginFeed_Disposed_StopsFollowingTheStream()
    {
        _feed.Start();
        await Eventually.TrueAsync(() => _feed.IsLoaded, "the list is loaded");

        // DisposeAsync returns once the feed's loop has ended: from here on nothing can read the stream or reopen it.
        await _feed.DisposeAsync();
        _catalog.Push(Kind.Upserted, Support.Plugins.Summary("billing", PluginStatus.Active));
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1, _catalog.UnreadChanges);
        Assert.Empty(_feed.Plugins);
        Assert.Equal(1, _catalog.StreamsOpened);
    }

    public ValueTask DisposeAsync() => _feed.DisposeAsync();

    private static int Count(List<TimeSpan> delays)
    {
        lock (delays)
        {
            return delays.Count;
        }
    }
}
