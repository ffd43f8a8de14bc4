using System.Text.Json.Nodes;
using Fabrix.Core.Registry.Persistence;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// Folds repeated identical refusals from one source into counted audit rows (issue 7 section 5), so a flood cannot
/// fill the permanent log or drown real changes. Identical means the same actor, action, target, refusal code and
/// client address. Within <see cref="AuditOptions.RefusalFoldWindow"/> of the first refusal of a source, the first is
/// written at once (details <c>count</c> 1) and the repeats are only counted in memory; when the window closes (checked
/// on a timer on the injected clock) one row is written for all of them (details <c>count</c> N, <c>first_at</c>,
/// <c>last_at</c>), and on shutdown every open window is written, so no accepted refusal goes unrecorded: the counts of a
/// source's rows add up to its refusals. Folded rows are ordinary appended rows of the hash chain. Memory is bounded by
/// <see cref="AuditOptions.RefusalFoldMaxSources"/>: past it, a refusal from a new source is written as its own row.
/// </summary>
internal sealed partial class AuditRefusalFolding(
    RegistryDatabase database,
    TimeProvider timeProvider,
    IOptions<AuditOptions> options,
    ILogger<AuditRefusalFolding> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<RefusalSource, FoldWindow> _windows = [];
    private readonly List<(RefusalSource Source, FoldWindow Window)> _due = [];

    /// <summary>Who was refused what, from where: the identity of a fold.</summary>
    public readonly record struct RefusalSource(string Actor, string Action, string Target, string Code, string ClientAddress);

    /// <summary>Open windows (for tests and health).</summary>
    public int OpenWindows
    {
        get
        {
            lock (_gate)
            {
                return _windows.Count;
            }
        }
    }

    /// <summary>
    /// True when the refusal was counted into an open window (no row now); false when the caller writes its row now:
    /// the first of a window, or a new source past the memory bound.
    /// </summary>
    public bool TryFold(RefusalSource source, string reason, string correlationId, JsonObject details)
    {
        var now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (_windows.TryGetValue(source, out var open))
            {
                if (now - open.Start < options.Value.RefusalFoldWindow)
                {
                    open.Repeats++;
                    open.LastAt = now;
                    open.Reason = reason;
                    open.CorrelationId = correlationId;
                    open.Details = details;
                    return true;
                }

                _windows.Remove(source);
                if (open.Repeats > 0)
                {
                    _due.Add((source, open));
                }
            }

            if (_windows.Count < options.Value.RefusalFoldMaxSources)
            {
                _windows[source] = new FoldWindow(now);
            }

            return false;
        }
    }

    /// <summary>Writes one row per closed window with repeats (every open window when <paramref name="all"/>); returns the rows written.</summary>
    public async Task<int> FlushAsync(bool all, CancellationToken cancellationToken)
    {
        List<(RefusalSource Source, FoldWindow Window)> due;
        var now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            foreach (var (source, window) in _windows.ToList())
            {
                if (all || now - window.Start >= options.Value.RefusalFoldWindow)
                {
                    _windows.Remove(source);
                    if (window.Repeats > 0)
                    {
                        _due.Add((source, window));
                    }
                }
            }

            due = [.. _due];
            _due.Clear();
        }

        var written = 0;
        foreach (var (source, window) in due)
        {
            try
            {
                await WriteAsync(source, window, cancellationToken);
                written++;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // Kept for the next flush: counted refusals are never dropped.
                LogFoldWriteFailed(logger, exception, source.Action, window.Repeats);
                lock (_gate)
                {
                    _due.Add((source, window));
                }
            }
        }

        return written;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, options.Value.RefusalFoldWindow.Ticks / 4));
        using var timer = new PeriodicTimer(period, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(all: false, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(all: true, cancellationToken);
    }

    private async Task WriteAsync(RefusalSource source, FoldWindow window, CancellationToken cancellationToken)
    {
        var details = window.Details!.DeepClone().AsObject();
        details["count"] = window.Repeats;
        details["first_at"] = AuditChain.FormatTime(window.FirstRepeatAt ?? window.Start);
        details["last_at"] = AuditChain.FormatTime(window.LastAt);
        details["folded"] = true;
        await using var transaction = await database.BeginAsync(cancellationToken);
        await AuditLog.AppendAsync(transaction, new AuditEntry(source.Actor, source.Action, source.Target, AuditOutcome.Refused,
            $"{window.Repeats} more identical refusal(s) within {options.Value.RefusalFoldWindow}: {window.Reason}", window.CorrelationId, details), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private sealed class FoldWindow(DateTimeOffset start)
    {
        private DateTimeOffset _lastAt = start;

        public DateTimeOffset Start { get; } = start;

        public long Repeats { get; set; }

        public DateTimeOffset? FirstRepeatAt { get; private set; }

        public DateTimeOffset LastAt
        {
            get => _lastAt;
            set
            {
                FirstRepeatAt ??= value;
                _lastAt = value;
            }
        }

        public string Reason { get; set; } = string.Empty;

        public string CorrelationId { get; set; } = string.Empty;

        public JsonObject? Details { get; set; }
    }

    [LoggerMessage(EventId = 1515, Level = LogLevel.Error, Message = "Writing the folded audit row of {Count} repeated {Action} refusals failed; will retry")]
    private static partial void LogFoldWriteFailed(ILogger logger, Exception exception, string action, long count);
}
