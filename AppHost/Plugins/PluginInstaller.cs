using System.Globalization;
using Fabrix.AppHost.Model;
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

    private static readonly TimeSpan ActivationWait = TimeSpan.FromSeconds(60);
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
    public static async Task<string> EnsureInstalledAsync(RunContext context, string registryGrpcUrl, PluginManifestFile manifest, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(registryGrpcUrl);
        var client = new RegistryAdmin.RegistryAdminClient(channel);
        var installed = await GetAsync(context, client, manifest, cancellationToken);
        var action = Decide(installed, manifest.Digest);
        if (action == InstallAction.Skip)
        {
            context.Reporter.Info($"  Plugin {manifest.PluginId} {manifest.Version} is already installed with this manifest");
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
            context.Reporter.Info($"  {verb} plugin {manifest.PluginId} {manifest.Version} (enabled on registration)");
            foreach (var warning in response.Warnings)
            {
                context.Reporter.Warning($"{RunContext.Display(manifest.Path)}: {warning.Path}: {warning.Message}");
            }

            return response.RegistrationCredential?.Secret is { Length: > 0 } secret
                ? secret
                : throw new AppHostException($"the registry installed {manifest.PluginId} but returned no registration credential");
        }
        catch (RpcException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new AppHostException(RefusalMessage(e, installed, manifest, context.DataRoot));
        }
    }

    private static async Task<string> RotateCredentialAsync(RunContext context, RegistryAdmin.RegistryAdminClient client, PluginManifestFile manifest,
        CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.RotateRegistrationCredentialAsync(
                new RegistrationCredentialRequest { Id = manifest.PluginId, Reason = "AppHost start: handing the plugin a fresh credential" },
                Headers(context),
                deadline: Deadline(context),
                cancellationToken: cancellationToken);
            context.Reporter.Info($"  Rotated the registration credential of {manifest.PluginId} (credential {response.Credential.Info.CredentialId})");
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
            return $"the registry refused to install {manifest.PluginId} from {RunContext.Display(manifest.Path)}: {Describe(refusal)}";
        }

        var what = $"plugin {manifest.PluginId} {manifest.Version} is already installed in the registry of data folder {RunContext.Display(dataRoot)}";
        var registry = $"The registry said: {Describe(refusal)}";
        var installedJson = string.Equals(installed!.Summary?.Version, manifest.Version, StringComparison.Ordinal) ? installed.ManifestJson : null;
        if (!string.IsNullOrEmpty(installedJson) && RunManifest.DifferOnlyInHealthCheckPort(installedJson, manifest.Json)
            && ManifestValidator.Validate(installedJson).Manifest?.HealthCheck is { } installedCheck && manifest.HealthCheck is { } check)
        {
            return $"{what} with health_check.port {installedCheck.Port}, but this run gives the plugin port {check.Port}: the folder was used "
                + "before with another --port-offset (or --port), and an installed version cannot change. Run with a fresh --data directory, "
                + $"or with the port offset this folder was used with. {registry}";
        }

        return $"{what} with a different manifest (installed digest {installedDigest}, {RunContext.Display(manifest.Path)} has {manifest.Digest}), "
            + "and an installed version cannot change. If the folder was used before with another --port-offset (or --port), run with a "
            + "fresh --data directory or with that port offset; if the manifest was edited, give it a new version and upgrade the plugin "
            + $"(fabrix plugins upgrade), or use a fresh --data directory. {registry}";
    }

    /// <summary>
    /// Waits (bounded) until the registry reports the plugin active and says so; a plugin an administrator disabled
    /// stays disabled, which is reported, not treated as a failure.
    /// </summary>
    public static async Task WaitUntilActiveAsync(RunContext context, string resourceName, string registryGrpcUrl, PluginManifestFile manifest, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(registryGrpcUrl);
        var client = new RegistryAdmin.RegistryAdminClient(channel);
        var started = context.TimeProvider.GetTimestamp();
        var status = PluginStatus.Unspecified;
        while (context.TimeProvider.GetElapsedTime(started) < ActivationWait)
        {
            status = (await GetAsync(context, client, manifest, cancellationToken))?.Summary?.Status ?? PluginStatus.Unspecified;
            switch (status)
            {
                case PluginStatus.Active:
                    context.Reporter.Info($"  Plugin {manifest.PluginId} is active in the registry");
                    return;
                case PluginStatus.Disabled:
                    context.Reporter.Warning($"plugin {manifest.PluginId} is disabled in the registry (an administrator disabled it); enable it in the console");
                    return;
                case PluginStatus.Unregistered:
                    context.Reporter.Warning($"plugin {manifest.PluginId} is unregistered in the registry");
                    return;
                default:
                    await Task.Delay(TimeSpan.FromMilliseconds(500), context.TimeProvider, cancellationToken);
                    break;
            }
        }

        context.Reporter.Warning(string.Create(CultureInfo.InvariantCulture, $"plugin {manifest.PluginId} is not active after {ActivationWait.TotalSeconds:0} s (status: {status}); see {RunContext.Display(context.LogPathFor(resourceName))}"));
    }

    private static async Task<PluginDetail?> GetAsync(RunContext context, RegistryAdmin.RegistryAdminClient client, PluginManifestFile manifest, CancellationToken cancellationToken)
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

    private static Metadata Headers(RunContext context)
    {
        var key = DevelopmentAdminToken.LoadKey(context.DevAdminKeyFile);
        var token = DevelopmentAdminToken.Mint(key, AdministratorName, [AdminRoles.Admin], context.TimeProvider);
        return new Metadata { { "authorization", $"Bearer {token}" } };
    }

    private static DateTime Deadline(RunContext context) => context.TimeProvider.GetUtcNow().UtcDateTime + CallTimeout;

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
