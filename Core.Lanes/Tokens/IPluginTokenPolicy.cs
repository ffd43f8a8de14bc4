namespace Fabrix.Core.Lanes.Tokens;

/// <summary>
/// What the token check needs to know about one plugin, from the lane's policy snapshot. Immutable.
/// </summary>
/// <param name="PluginId">The plugin id.</param>
/// <param name="IsActive">Whether the plugin's status is <c>active</c>.</param>
/// <param name="PinnedManifestDigest">The digest of the manifest the plugin is installed with (lower-case hex SHA-256).</param>
/// <param name="Traits">The plugin's traits.</param>
/// <param name="DataClassifications">The plugin's data classifications.</param>
/// <param name="Revision">
/// The snapshot revision in which this plugin's entry last changed. It must change whenever any field above changes
/// (the snapshot's own revision is a correct, coarser choice): a validated token is reused only while it is the same.
/// </param>
public sealed record PluginTokenPolicyEntry(
    string PluginId,
    bool IsActive,
    string PinnedManifestDigest,
    IReadOnlyList<string> Traits,
    IReadOnlyList<string> DataClassifications,
    long Revision);

/// <summary>
/// The token check's view of the lane's policy snapshot (issue 9 section 1). Implemented over the snapshot client;
/// every member is an in-memory read that never blocks and never goes to the network.
/// </summary>
public interface IPluginTokenPolicy
{
    /// <summary>False before the first snapshot and while the snapshot is stale: the check then refuses every token (<see cref="PluginTokenRefusalCode.NoPolicy"/>).</summary>
    bool IsAvailable { get; }

    /// <summary>The plugin's entry in the current snapshot, or null when the snapshot does not hold it.</summary>
    /// <param name="pluginId">The token's subject.</param>
    /// <returns>The entry or null.</returns>
    PluginTokenPolicyEntry? Find(string pluginId);

    /// <summary>
    /// Raised after a snapshot change that touched a plugin's entry (status, digest, traits, classifications, removal),
    /// with its id; with null when the whole snapshot was replaced. Validated tokens of that plugin are dropped at once.
    /// </summary>
    event Action<string?>? PluginChanged;
}
