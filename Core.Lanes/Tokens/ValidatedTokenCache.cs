using System.Collections.Concurrent;

namespace Fabrix.Core.Lanes.Tokens;

/// <summary>A token that passed every check: the caller, until when the token stays valid, and the policy revision it was checked against.</summary>
internal sealed record ValidatedToken(PluginCaller Caller, DateTimeOffset ValidUntil, long PolicyRevision);

/// <summary>
/// Validated tokens by <see cref="TokenHash"/>, at most <c>capacity</c> of them (concurrent adds may pass the bound by a few). An entry is dropped when its token
/// expires (the reader checks), when its plugin's policy entry changes (<see cref="RemovePlugin"/>, and the reader
/// compares revisions), or to make room. Only validated tokens get in, so nobody without a valid token can fill it.
/// </summary>
internal sealed class ValidatedTokenCache(int capacity)
{
    private readonly ConcurrentDictionary<TokenHash, ValidatedToken> _entries = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public bool TryGet(in TokenHash hash, out ValidatedToken entry) => _entries.TryGetValue(hash, out entry!);

    public void Add(in TokenHash hash, ValidatedToken entry, DateTimeOffset now)
    {
        if (Volatile.Read(ref _count) >= capacity)
        {
            RemoveWhere(static (e, now) => e.ValidUntil <= now, now);
            if (Volatile.Read(ref _count) >= capacity)
            {
                // Full of live tokens: this one is simply checked in full next time.
                return;
            }
        }

        if (_entries.TryAdd(hash, entry))
        {
            Interlocked.Increment(ref _count);
        }
    }

    public void Remove(in TokenHash hash, ValidatedToken entry)
    {
        // Only the entry the caller saw: a fresher one added meanwhile stays.
        if (_entries.TryRemove(new KeyValuePair<TokenHash, ValidatedToken>(hash, entry)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>Drops every token of <paramref name="pluginId"/>; null drops all (a whole new snapshot).</summary>
    public void RemovePlugin(string? pluginId) =>
        RemoveWhere(static (e, id) => id is null || string.Equals(e.Caller.PluginId, id, StringComparison.Ordinal), pluginId);

    private void RemoveWhere<TState>(Func<ValidatedToken, TState, bool> predicate, TState state)
    {
        foreach (var pair in _entries)
        {
            if (predicate(pair.Value, state) && _entries.TryRemove(pair))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }
}
