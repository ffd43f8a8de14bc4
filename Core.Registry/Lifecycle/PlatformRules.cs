using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Platform;
using Fabrix.Core.Registry.Errors;

namespace Fabrix.Core.Registry.Lifecycle;

/// <summary>
/// Issue 3 section 3: a manifest whose <c>platform</c> range excludes the running Fabrix is refused on install,
/// upgrade, rollback and enable, with both versions named (<see cref="PlatformCompatibility"/>).
/// </summary>
internal static class PlatformRules
{
    /// <summary>Null when <paramref name="manifest"/> supports the running platform, otherwise the refusal.</summary>
    public static Refusal? Check(PluginManifest manifest)
    {
        var result = PlatformCompatibility.Check(manifest);
        return result.IsCompatible
            ? null
            : new Refusal(RefusalKind.FailedPrecondition, RefusalCodes.PlatformIncompatible, result.Reason!,
                [new FieldViolation("$.platform", result.Reason!)]);
    }
}
