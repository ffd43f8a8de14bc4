using Fabrix.AppHost.Hosting;
using Microsoft.Extensions.Logging;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace Fabrix.AppHost.Plugins;

/// <summary>What the AppHost does with a plugin's installation before starting the plugin.</summary>
internal enum InstallAction
{
    /// <summary>Not installed: install it.</summary>
    Install,

    /// <summary>Installed, then unregistered: installing again puts it back to installed.</summary>
    Reinstall,

    /// <summary>Installed with another manifest (the file changed): install the new one.</summary>
    Replace,

    /// <summary>Installed with this very manifest: nothing to do.</summary>
    Skip,
}

/// <summary>
/// Installs a sample plugin through the registry's administrator API before the plugin starts, as an administrator
/// would (issue 2: "an installation may ask to be enabled as soon as it registers, which is how the AppHost brings up
/// the samples"). Idempotent: a second run finds the same manifest digest and leaves the installation alone, but
/// rotates its registration credential to have one to hand the plugin (issue 7).
/// </summary>
internal static class PluginInstaller
{
    /// <summary>Who the registry's audit log shows as the actor of the AppHost's installs.</summary>
    public const string AdministratorName = "apphost";

    /// <summary>
    /// google.rpc.ErrorInfo reasons of the registry's install refusals that can mean "this id and version are installed
    /// with other content" (Core.Registry RefusalCodes.AlreadyInstalled, RefusalCodes.VersionExists).
    /// </summary>
    private static readonly string[] InstalledWithOtherContentReasons = ["ALREADY_INSTALLED", "VERSION_EXISTS"];

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    public static InstallAction Decide(PluginDetail? installed, string manifestDigest)
    {
        if (installed is null)
        {
            return InstallAction.Install;
        }

        if (installed.Summary?.Status == PluginStatus.Unregistered)
        {
            return InstallAction.Reinstall;
        }

        return string.Equals(installed.ManifestDigest, manifestDigest, StringComparison.OrdinalIgnoreCase)
            ? InstallAction.Skip
            : InstallAction.Replace;
    }

    /// <summary>
    /// Installs the plugin unless it is installed with this manifest, and returns its registration credential: the one
    /// the install issued, or, when it was installed before (a rerun on the same data folder), a new one from
    /// RotateRegistrationCredential, because a credential's secret is shown only once and the AppHost keeps none.
    /// </summary>
    public static async Task<string> EnsureInstalledAsync(InstallContext context, string registryGrpcUrl, PluginManifestFile manifest, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(registryGrpcUrl);
        var client = new RegistryAdmin.RegistryAdminClient(channel);
        var installed = await GetAsync(context, client, manifest, cancellationToken);
        var action = Decide(installed, manifest.Digest);
        if (action == InstallAction.Skip)
        {
            InstallLog.AlreadyInstalled(context.Logger, manifest.PluginId, manifest.Version);
            return await RotateCredentialAsync(context, client, manifest, cancellationToken);
        }

        try
        {
            var response = await client.InstallPluginAsync(
                new InstallPluginRequest { ManifestJson = manifest.Json, EnableOnRegister = true },
                Headers(context),
                deadline: Deadline(context),
                cancellationToken: cancellationToken);
            var verb = action switch
            {
                InstallAction.Reinstall => "Reinstalled",
                InstallAction.Replace => "Installed the changed manifest of",
                _ => "Installed",
            };
            InstallLog.Installed(context.Logger, verb, manifest.PluginId, manifest.Version);
            foreach (var warning in response.Warnings)
            {
                InstallLog.InstallWarning(context.Logger, FabrixLayout.Display(manifest.Path), warning.Path, warning.Message);
            }

            return response.RegistrationCredential?.Secret is { Length: > 0 } secret
                ? secret
                : throw new AppHostException($"the registry installed {manifest.PluginId} but returned no registration credential");
        }
        catch (RpcException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new AppHostException(RefusalMessage(e, installed, manifest, context.Layout.DataRoot));
        }
    }

    private static async Task<string> RotateCredentialAsync(InstallContext context, RegistryAdmin.RegistryAdminClient client, PluginManifestFile manifest,
        CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.RotateRegistrationCredentialAsync(
                new RegistrationCredentialRequest { Id = manifest.PluginId, Reason = "AppHost start: handing the plugin a fresh credential" },
                Headers(context),
                deadline: Deadline(context),
                cancellationToken: cancellationToken);
            InstallLog.Rotated(context.Logger, manifest.PluginId, response.Credential.Info.CredentialId);
            return response.Credential.Secret;
        }
        catch (RpcException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new AppHostException($"could not rotate the registration credential of {manifest.PluginId}: {Describe(e)}");
        }
    }

    /// <summary>
    /// The one-line error for a refused install. The refusal that needs explaining is the same id and version
    /// installed with other content: an installed version cannot change, and the usual cause is a data folder used
    /// before with another <c>--port-offset</c>, which gives the plugin's manifest another <c>health_check.port</c>.
    /// </summary>
    /// <param name="refusal">The registry's answer to the install.</param>
    /// <param name="installed">What the registry held before the install (<c>GetPlugin</c>), null when nothing.</param>
    /// <param name="manifest">The manifest this run tried to install.</param>
    /// <param name="dataRoot">The data folder of this run.</param>
    public static string RefusalMessage(RpcException refusal, PluginDetail? installed, PluginManifestFile manifest, string dataRoot)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        ArgumentNullException.ThrowIfNull(manifest);
        var reason = refusal.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;
        var installedDigest = InstalledDigestOf(installed, manifest.Version);
        if (refusal.StatusCode is not (StatusCode.AlreadyExists or StatusCode.FailedPrecondition)
            || !InstalledWithOtherContentReasons.Contains(reason, StringComparer.Ordinal)
            || installedDigest is null
            || string.Equals(installedDigest, manifest.Digest, StringComparison.OrdinalIgnoreCase))
        {
            return $"the registry refused to install {manifest.PluginId} from {FabrixLayout.Display(manifest.Path)}: {Describe(refusal)}";
        }

        var what = $"plugin {manifest.PluginId} {manifest.Version} is already installed in the registry of data folder {FabrixLayout.Display(dataRoot)}";
        var registry = $"The registry said: {Describe(refusal)}";
        var installedJson = string.Equals(installed!.Summary?.Version, manifest.Version, StringComparison.Ordinal) ? installed.ManifestJson : null;
        if (!string.IsNullOrEmpty(installedJson) && RunManifest.DifferOnlyInHealthCheckPort(installedJson, manifest.Json)
            && ManifestValidator.Validate(installedJson).Manifest?.HealthCheck is { } installedCheck && manifest.HealthCheck is { } check)
        {
            return $"{what} with health_check.port {installedCheck.Port}, but this run gives the plugin port {check.Port}: the folder was used "
                + "before with another --port-offset (or --port), and an installed version cannot change. Run with a fresh --data directory, "
                + $"or with the port offset this folder was used with. {registry}";
        }

        return $"{what} with a different manifest (installed digest {installedDigest}, {FabrixLayout.Display(manifest.Path)} has {manifest.Digest}), "
            + "and an installed version cannot change. If the folder was used before with another --port-offset (or --port), run with a "
            + "fresh --data directory or with that port offset; if the manifest was edited, give it a new version and upgrade the plugin "
            + $"(fabrix plugins upgrade), or use a fresh --data directory. {registry}";
    }

    internal static async Task<PluginDetail?> GetAsync(InstallContext context, string registryGrpcUrl, PluginManifestFile manifest, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(registryGrpcUrl);
        return await GetAsync(context, new RegistryAdmin.RegistryAdminClient(channel), manifest, cancellationToken);
    }

    private static async Task<PluginDetail?> GetAsync(InstallContext context, RegistryAdmin.RegistryAdminClient client, PluginManifestFile manifest, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetPluginAsync(new GetPluginRequest { Id = manifest.PluginId }, Headers(context), Deadline(context), cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
        catch (RpcException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new AppHostException($"could not read plugin {manifest.PluginId} from the registry: {Describe(e)}");
        }
    }

    /// <summary>The digest the registry holds for <paramref name="version"/> of the plugin, null when it holds none.</summary>
    private static string? InstalledDigestOf(PluginDetail? installed, string version)
    {
        if (installed is null)
        {
            return null;
        }

        if (string.Equals(installed.Summary?.Version, version, StringComparison.Ordinal) && !string.IsNullOrEmpty(installed.ManifestDigest))
        {
            return installed.ManifestDigest;
        }

        return installed.Versions.FirstOrDefault(v => string.Equals(v.Version, version, StringComparison.Ordinal))?.ManifestDigest;
    }

    private static Metadata Headers(InstallContext context)
    {
        var key = DevelopmentAdminToken.LoadKey(context.Layout.DevAdminKeyFile);
        var token = DevelopmentAdminToken.Mint(key, AdministratorName, [AdminRoles.Admin], context.TimeProvider);
        return new Metadata { { "authorization", $"Bearer {token}" } };
    }

    private static DateTime Deadline(InstallContext context) => context.TimeProvider.GetUtcNow().UtcDateTime + CallTimeout;

    /// <summary>The status and, for invalid manifests, every field violation with its JSON path.</summary>
    private static string Describe(RpcException e)
    {
        var text = $"{e.StatusCode}: {e.Status.Detail}";
        var violations = e.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations;
        return violations is { Count: > 0 }
            ? text + " (" + string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")) + ")"
            : text;
    }
}

/// <summary>What an installation needs from the AppHost: the data folder (for the development key), a log, a clock.</summary>
internal sealed record InstallContext(FabrixLayout Layout, ILogger Logger, TimeProvider TimeProvider);

/// <summary>The AppHost's log lines about plugin installations.</summary>
internal static partial class InstallLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Plugin {PluginId} {Version} is already installed with this manifest")]
    public static partial void AlreadyInstalled(ILogger logger, string pluginId, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Verb} plugin {PluginId} {Version} (enabled on registration)")]
    public static partial void Installed(ILogger logger, string verb, string pluginId, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Manifest}: {Path}: {Message}")]
    public static partial void InstallWarning(ILogger logger, string manifest, string path, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rotated the registration credential of {PluginId} (credential {CredentialId})")]
    public static partial void Rotated(ILogger logger, string pluginId, string credentialId);

    [LoggerMessage(Level = LogLevel.Information, Message = "health_check.port of {PluginId} set to {Port} for this run (manifest says {Declared})")]
    public static partial void HealthCheckPortMoved(ILogger logger, string pluginId, int port, int declared);
}
