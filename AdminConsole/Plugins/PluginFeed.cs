using Fabrix.AdminConsole.Registry;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Plugins;

/// <summary>State of the live plugin list.</summary>
internal enum PluginFeedStatus
{
    Connecting,
    Live,
    Reconnecting,
}

/// <summary>A lifecycle, health or version change the feed saw happen (not a snapshot), for "recent changes".</summary>
internal sealed record PluginFeedEvent(DateTimeOffset At, string PluginId, string Description);

/// <summary>
/// The plugin list of one circuit, kept live from the registry's <c>WatchPlugins</c> stream. Each connection opens
/// the stream, then reads the full list page by page (so an empty registry, or plugins removed while disconnected, are
/// handled too), then applies snapshot, upsert and remove messages in order. A failed or closed stream is reopened with
/// exponential backoff. Pages subscribe to <see cref="Changed"/> and re-render through <c>InvokeAsync</c>.
/// Scoped: disposing the circuit's scope stops the stream.
/// </summary>
internal sealed partial class PluginFeed(IPluginCatalog catalog, TimeProvider timeProvider, ILogger<PluginFeed> logger) : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    // The dashboard shows the latest few; older ones are in the audit log.
    private const int RecentChangesKept = 20;

    // The registry's default page. A summary carries only manifest fields, so it is bounded by the manifest bound
    // (64 KB, issue 7 section 3): 50 of them stay under the gRPC client's default 4 MB receive limit whatever they hold.
    internal const int ListPageSize = 50;

    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PluginSummary> _plugins = new(StringComparer.Ordinal);
    private PluginSummary[] _view = [];
    private IReadOnlyList<PluginFeedEvent> _recent = [];
    private Task? _running;
    private bool _disposed;

    /// <summary>Raised, on a background thread, after every change of <see cref="Plugins"/> or <see cref="Status"/>.</summary>
    public event Action? Changed;

    // Status, problem and retry delay change together: readers on other threads see one state or the next, never a mix.
    private State _state = new(PluginFeedStatus.Connecting, null, TimeSpan.Zero);

    public PluginFeedStatus Status => Volatile.Read(ref _state).Status;

    /// <summary>True once a full list was read from the registry.</summary>
    public bool IsLoaded { get; private set; }

    /// <summary>Why the stream is being reopened, when <see cref="Status"/> is <see cref="PluginFeedStatus.Reconnecting"/>.</summary>
    public string? Problem => Volatile.Read(ref _state).Problem;

    /// <summary>When the next connection attempt starts, when reconnecting.</summary>
    public TimeSpan RetryDelay => Volatile.Read(ref _state).RetryDelay;

    /// <summary>Every known plugin, ordered by id; an immutable snapshot, safe to enumerate while changes arrive.</summary>
    public IReadOnlyList<PluginSummary> Plugins => Volatile.Read(ref _view);

    /// <summary>
    /// Status, health and version changes and removals seen on the stream since this circuit started following it,
    /// newest first (at most 20). Heartbeats that only move "last seen" are not changes.
    /// </summary>
    public IReadOnlyList<PluginFeedEvent> RecentChanges => Volatile.Read(ref _recent);

    /// <summary>Starts following the registry; later calls do nothing.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _running ??= Task.Run(() => RunAsync(_stopping.Token));
        }
    }

    public PluginSummary? Find(string id)
    {
        lock (_gate)
        {
            return _plugins.GetValueOrDefault(id);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? running;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            running = _running;
        }

        await _stopping.CancelAsync();
        if (running is not null)
        {
            await running;
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            string problem;
            var wasLive = false;
            try
            {
                wasLive = await FollowOnceAsync(stopping);
                problem = "The registry closed the change stream.";
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (RegistryException exception)
            {
                problem = exception.Message;
                wasLive = IsLive();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Not a registry answer (a transport or programming fault): log it whole, keep the circuit's list alive.
                LogStreamFailed(logger, exception);
                problem = "The change stream failed unexpectedly; see the console log.";
                wasLive = IsLive();
            }

            failures = wasLive ? 0 : failures + 1;
            var delay = RetryDelayAfter(failures);
            LogStreamInterrupted(logger, delay, problem);
            // The timer starts before the status is published, so whoever reacts to the status sees it running.
            var retry = Task.Delay(delay, timeProvider, stopping);
            SetStatus(PluginFeedStatus.Reconnecting, problem, delay);
            try
            {
                await retry;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One connection: returns (or throws) when it ends; the result says whether it got as far as the list.</summary>
    private async Task<bool> FollowOnceAsync(CancellationToken stopping)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var changes = catalog.WatchAsync(connection.Token).GetAsyncEnumerator(connection.Token);
        // The stream is opened before the list is read, so no change can fall between the two.
        var next = changes.MoveNextAsync().AsTask();
        try
        {
            ReplaceAll(await ListEveryPageAsync(connection.Token));
            while (await next)
            {
                Apply(changes.Current);
                next = changes.MoveNextAsync().AsTask();
            }

            return true;
        }
        finally
        {
            await connection.CancelAsync();
            // The enumerator may only be disposed once its pending MoveNextAsync has finished; its outcome (cancelled,
            // or the failure already being reported) no longer matters.
            await next.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            await changes.DisposeAsync();
        }
    }

    /// <summary>Every plugin, one page per call, following the registry's page tokens to the last page.</summary>
    private async Task<List<PluginSummary>> ListEveryPageAsync(CancellationToken cancellationToken)
    {
        var plugins = new List<PluginSummary>();
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        var token = string.Empty;
        do
        {
            var page = await catalog.ListPageAsync(
                new ListPluginsRequest { PageSize = ListPageSize, PageToken = token }, cancellationToken);
            plugins.AddRange(page.Plugins);
            token = page.NextPageToken;
            if (token.Length > 0 && !tokens.Add(token))
            {
                // A registry that hands back a token it already gave would keep the feed listing forever.
                throw new RegistryException(Grpc.Core.StatusCode.Internal, "The registry repeated a page of the plugin list.", []);
            }
        }
        while (token.Length > 0);

        return plugins;
    }

    private static TimeSpan RetryDelayAfter(int failures)
    {
        // 1 s, 2 s, 4 s, ... capped at 30 s; right after a working connection the first retry is quick.
        var exponent = Math.Min(Math.Max(failures - 1, 0), 5);
        var delay = FirstRetryDelay * Math.Pow(2, exponent);
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }

    private bool IsLive()
    {
        lock (_gate)
        {
            return Status == PluginFeedStatus.Live;
        }
    }

    private void ReplaceAll(IEnumerable<PluginSummary> plugins)
    {
        lock (_gate)
        {
            _plugins.Clear();
            foreach (var plugin in plugins)
            {
                _plugins[plugin.Id] = plugin;
            }

            IsLoaded = true;
            Volatile.Write(ref _state, _state with { Status = PluginFeedStatus.Live, Problem = null });
            Publish();
        }

        Changed?.Invoke();
    }

    private void Apply(PluginChange change)
    {
        lock (_gate)
        {
            var at = change.At?.ToDateTimeOffset() ?? timeProvider.GetUtcNow();
            var plugin = change.Plugin;
            if (plugin is not { Id.Length: > 0 })
            {
                return;
            }

            var before = _plugins.GetValueOrDefault(plugin.Id);
            switch (change.Kind)
            {
                // The snapshot repeats, one message per plugin, what the list just read: nothing changes, nothing is
                // published, so opening the stream costs no re-render per plugin however many there are.
                case PluginChange.Types.Kind.Snapshot or PluginChange.Types.Kind.Upserted when plugin.Equals(before):
                    return;
                case PluginChange.Types.Kind.Snapshot:
                    _plugins[plugin.Id] = plugin;
                    break;
                case PluginChange.Types.Kind.Upserted:
                    Record(at, plugin.Id, Describe(before, plugin));
                    _plugins[plugin.Id] = plugin;
                    break;
                case PluginChange.Types.Kind.Removed when before is not null:
                    _plugins.Remove(plugin.Id);
                    Record(at, plugin.Id, "removed (uninstalled)");
                    break;
                default:
                    return;
            }

            if (before is not null && change.Kind != PluginChange.Types.Kind.Removed)
            {
                PublishReplaced(plugin);
            }
            else
            {
                Publish();
            }
        }

        Changed?.Invoke();
    }

    private static string? Describe(PluginSummary? before, PluginSummary after)
    {
        if (before is null)
        {
            return $"appeared as {PluginLifecycle.Text(after.Status)}";
        }

        var parts = new List<string>(3);
        if (before.Status != after.Status)
        {
            parts.Add($"{PluginLifecycle.Text(before.Status)} → {PluginLifecycle.Text(after.Status)}");
        }

        if (PluginLifecycle.Text(before.Health) != PluginLifecycle.Text(after.Health))
        {
            parts.Add($"health {PluginLifecycle.Text(before.Health)} → {PluginLifecycle.Text(after.Health)}");
        }

        if (!string.Equals(before.Version, after.Version, StringComparison.Ordinal))
        {
            parts.Add($"version {before.Version} → {after.Version}");
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    // Called under _gate.
    private void Record(DateTimeOffset at, string pluginId, string? description)
    {
        if (description is null)
        {
            return;
        }

        var recent = _recent;
        var next = new PluginFeedEvent[Math.Min(recent.Count + 1, RecentChangesKept)];
        next[0] = new PluginFeedEvent(at, pluginId, description);
        for (var i = 1; i < next.Length; i++)
        {
            next[i] = recent[i - 1];
        }

        Volatile.Write(ref _recent, next);
    }

    private void SetStatus(PluginFeedStatus status, string? problem, TimeSpan retryDelay)
    {
        lock (_gate)
        {
            Volatile.Write(ref _state, new State(status, problem, retryDelay));
        }

        Changed?.Invoke();
    }

    // Called under _gate.
    private void Publish() =>
        Volatile.Write(ref _view, _plugins.Values.OrderBy(p => p.Id, StringComparer.Ordinal).ToArray());

    // Called under _gate. A known plugin changed (a heartbeat, a transition): same ids, same order, one slot replaced,
    // without sorting the whole list again.
    private void PublishReplaced(PluginSummary plugin)
    {
        var next = (PluginSummary[])_view.Clone();
        var index = Array.FindIndex(next, p => string.Equals(p.Id, plugin.Id, StringComparison.Ordinal));
        if (index < 0)
        {
            Publish();
            return;
        }

        next[index] = plugin;
        Volatile.Write(ref _view, next);
    }

    [LoggerMessage(EventId = 4202, Level = LogLevel.Error, Message = "Plugin change stream failed")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Plugin change stream interrupted, reconnecting in {Delay}: {Problem}")]
    private static partial void LogStreamInterrupted(ILogger logger, TimeSpan delay, string problem);

    private sealed record State(PluginFeedStatus Status, string? Problem, TimeSpan RetryDelay);
}
