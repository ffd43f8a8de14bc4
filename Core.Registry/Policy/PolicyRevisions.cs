using System.Runtime.CompilerServices;
using Fabrix.Core.Registry.Persistence;

namespace Fabrix.Core.Registry.Policy;

/// <summary>
/// The policy revision (issue 9 section 1). A transaction that changes what lanes decide on marks the plugins and
/// switches it changed; right before it commits, the one row of <c>policy_revision</c> is bumped once and a
/// <c>policy_changes</c> row records what that revision changed. The row lock is held until the commit, so revisions
/// commit in increasing order on every replica, and it is the last lock the transaction takes (after the audit chain's),
/// so its holder never waits on anything else. After the commit, this replica's <see cref="PolicyFeed"/> is woken; the
/// others learn of it from <c>fabrix.policy.changed</c> on NATS (the outbox, <see cref="PolicyChanges"/>).
/// </summary>
internal sealed class PolicyRevisions(PolicyFeed feed)
{
    /// <summary>Revisions whose changes are kept: a client further behind than this gets a full snapshot.</summary>
    public const int RetainedRevisions = 10_000;

    private readonly ConditionalWeakTable<RegistryTransaction, Pending> _pending = [];

    public void PluginChanged(RegistryTransaction transaction, string pluginId) => PendingOf(transaction).PluginIds.Add(pluginId);

    public void SwitchChanged(RegistryTransaction transaction, string storedSwitchName) => PendingOf(transaction).Switches.Add(storedSwitchName);

    public void GrantChanged(RegistryTransaction transaction, string caller, string target) => PendingOf(transaction).Grants.Add(GrantKey(caller, target));

    public void PreferenceChanged(RegistryTransaction transaction, string contract) => PendingOf(transaction).Preferences.Add(contract);

    public void DeniedDomainChanged(RegistryTransaction transaction, string pattern) => PendingOf(transaction).DeniedDomains.Add(pattern);

    /// <summary>How <c>policy_changes.grants</c> names a grant (plugin ids never contain '&gt;').</summary>
    public static string GrantKey(string caller, string target) => $"{caller}>{target}";

    private Pending PendingOf(RegistryTransaction transaction)
    {
        if (_pending.TryGetValue(transaction, out var pending))
        {
            return pending;
        }

        pending = new Pending();
        _pending.Add(transaction, pending);
        transaction.BeforeCommit((t, cancellationToken) => CommitRevisionAsync(t, pending, cancellationToken));
        transaction.AfterCommit(feed.Wake);
        return pending;
    }

    private static async Task CommitRevisionAsync(RegistryTransaction transaction, Pending pending, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            with bumped as (update policy_revision set revision = revision + 1 returning revision),
            recorded as (
                insert into policy_changes (revision, plugin_ids, switches, grants, preferences, denied_domains, committed_at)
                select revision, @plugins, @switches, @grants, @preferences, @denied, @now from bumped
                returning revision
            )
            delete from policy_changes where revision <= (select revision from recorded) - @retained
            """);
        command.Parameters.AddWithValue("plugins", pending.PluginIds.Order(StringComparer.Ordinal).ToArray());
        command.Parameters.AddWithValue("switches", pending.Switches.Order(StringComparer.Ordinal).ToArray());
        command.Parameters.AddWithValue("grants", pending.Grants.Order(StringComparer.Ordinal).ToArray());
        command.Parameters.AddWithValue("preferences", pending.Preferences.Order(StringComparer.Ordinal).ToArray());
        command.Parameters.AddWithValue("denied", pending.DeniedDomains.Order(StringComparer.Ordinal).ToArray());
        command.Parameters.AddWithValue("now", transaction.Now);
        command.Parameters.AddWithValue("retained", (long)RetainedRevisions);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed class Pending
    {
        public HashSet<string> PluginIds { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Switches { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Grants { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Preferences { get; } = new(StringComparer.Ordinal);

        public HashSet<string> DeniedDomains { get; } = new(StringComparer.Ordinal);
    }
}
