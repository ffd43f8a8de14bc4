using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Persistence;

namespace Fabrix.Core.Registry.Plugins;

/// <summary>
/// The install-time warning of issue 7 section 4: a new plugin whose display name has the UTS #39 skeleton
/// (<see cref="ConfusableNames"/>) of an installed plugin's name could be taken for it by an administrator. It is a
/// warning (<c>InstallPluginResponse.warnings</c>, at <c>$.name</c>, naming the installed plugin), not a refusal: the
/// administrator approving the manifest decides.
/// </summary>
internal static class ConfusablePluginNames
{
    public static async Task<IReadOnlyList<ManifestIssue>> WarningsAsync(RegistryTransaction transaction, PluginManifest manifest, CancellationToken cancellationToken)
    {
        var skeleton = ConfusableNames.Skeleton(manifest.Name);
        await using var command = transaction.CreateCommand("select id, name from plugins where id <> @id order by id");
        command.Parameters.AddWithValue("id", manifest.Id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var warnings = new List<ManifestIssue>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var (id, name) = (reader.GetString(0), reader.GetString(1));
            if (string.Equals(ConfusableNames.Skeleton(name), skeleton, StringComparison.Ordinal))
            {
                warnings.Add(new ManifestIssue("$.name", string.Equals(name, manifest.Name, StringComparison.Ordinal)
                    ? $"The name '{manifest.Name}' is already the name of the installed plugin '{id}'."
                    : $"The name '{manifest.Name}' can be confused with '{name}', the name of the installed plugin '{id}' (Unicode confusables, UTS #39)."));
            }
        }

        return warnings;
    }
}
