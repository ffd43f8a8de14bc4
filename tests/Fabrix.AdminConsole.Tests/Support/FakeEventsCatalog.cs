using Fabrix.AdminConsole.Events;
using Fabrix.Contracts.Events.V1;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>The Events page's registry calls: types, subscriptions, dead letters, recent publishes, and the replays asked for.</summary>
internal sealed class FakeEventsCatalog : IEventsCatalog
{
    private readonly Lock _gate = new();

    public List<EventTypeInfo> Types { get; } = [];

    public List<SubscriptionState> Subscriptions { get; } = [];

    public List<DeadLetter> DeadLetters { get; } = [];

    public List<RecentEvent> Recent { get; } = [];

    /// <summary>What GetDeadLetter answers with for the payload (the registry decides by role; empty = withheld).</summary>
    public string PayloadJson { get; set; } = string.Empty;

    /// <summary>Every replay asked for: "replay SEQ reason".</summary>
    public List<string> Calls { get; } = [];

    public Task<IReadOnlyList<EventTypeInfo>> ListTypesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<EventTypeInfo>>([.. Types]);

    public Task<IReadOnlyList<SubscriptionState>> ListSubscriptionsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SubscriptionState>>([.. Subscriptions]);

    public Task<ListDeadLettersResponse> ListDeadLettersAsync(int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var response = new ListDeadLettersResponse();
            response.DeadLetters.Add(DeadLetters.Take(limit).Select(d => d.Clone()));
            return Task.FromResult(response);
        }
    }

    public Task<GetDeadLetterResponse> GetDeadLetterAsync(ulong sequence, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var letter = DeadLetters.Single(d => d.Sequence == sequence);
            return Task.FromResult(new GetDeadLetterResponse { DeadLetter = letter.Clone(), EventJson = PayloadJson, PayloadWithheld = PayloadJson.Length == 0 });
        }
    }

    public Task<ReplayDeadLetterResponse> ReplayDeadLetterAsync(ulong sequence, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Calls.Add($"replay {sequence} {reason}");
            var letter = DeadLetters.Single(d => d.Sequence == sequence);
            DeadLetters.Remove(letter);
            return Task.FromResult(new ReplayDeadLetterResponse { PluginId = letter.PluginId, EventId = letter.EventId, ReplaySequence = 99 });
        }
    }

    public Task<IReadOnlyList<RecentEvent>> ListRecentAsync(long afterSequence, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<RecentEvent>>([.. Recent.Where(e => e.Sequence > afterSequence).OrderBy(e => e.Sequence).Take(limit)]);
        }
    }

    public void AddRecent(RecentEvent evt)
    {
        lock (_gate)
        {
            Recent.Add(evt);
        }
    }
}
