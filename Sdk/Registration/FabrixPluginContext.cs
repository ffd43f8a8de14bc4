using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Plugins.Sdk.Logging;
using Fabrix.Plugins.Sdk.Manifest;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk.Registration;

/// <summary>
/// The singleton behind <see cref="IFabrixPlugin"/>. Loading the manifest in the constructor is what makes a plugin
/// with a bad manifest fail at start-up: the host resolves this when it creates the SDK's hosted services.
/// Snapshots are swapped under a lock and read without one.
/// </summary>
internal sealed class FabrixPluginContext : IFabrixPlugin
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<FabrixPluginContext> _logger;
    private readonly long _startedAt;
    private PluginRegistration _registration;
    private TaskCompletionSource<PluginRegistration> _registered = NewCompletionSource();

    public FabrixPluginContext(
        IOptions<FabrixPluginOptions> options,
        IHostEnvironment environment,
        TimeProvider timeProvider,
        ILogger<FabrixPluginContext> logger)
    {
        _timeProvider = timeProvider;
        _logger = logger;
        _startedAt = timeProvider.GetTimestamp();

        PluginManifestFile file;
        try
        {
            file = PluginManifestFile.Load(options.Value.ManifestPath, environment.ContentRootPath, AppContext.BaseDirectory);
        }
        catch (FabrixPluginManifestException ex)
        {
            SdkLog.ManifestRejected(logger, ex.Message);
            throw;
        }

        foreach (var warning in file.Warnings)
        {
            SdkLog.ManifestWarning(logger, warning.Path, warning.Message);
        }

        SdkLog.ManifestLoaded(logger, file.Manifest.Id, file.Manifest.Version, file.FullPath);
        ManifestFile = file;
        _registration = new PluginRegistration(
            PluginRegistrationState.Pending, PluginStatus.Unspecified, null, timeProvider.GetUtcNow(), "Waiting for the server to start.");
    }

    public event EventHandler<PluginRegistration>? RegistrationChanged;

    public PluginManifestFile ManifestFile { get; }

    public string PluginId => ManifestFile.Manifest.Id;

    public PluginManifest Manifest => ManifestFile.Manifest;

    public string ManifestJson => ManifestFile.Json;

    public PluginRegistration Registration => Volatile.Read(ref _registration);

    public PluginToken? Token => Registration.Token;

    public TimeSpan Uptime => _timeProvider.GetElapsedTime(_startedAt);

    public Task<PluginRegistration> WaitForRegistrationAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return _registration.State == PluginRegistrationState.Registered
                ? Task.FromResult(_registration)
                : _registered.Task.WaitAsync(cancellationToken);
        }
    }

    public void SetRegistered(PluginToken token, PluginStatus status) =>
        Update(_ => new PluginRegistration(PluginRegistrationState.Registered, status, token, _timeProvider.GetUtcNow(), null));

    public void SetPending(string reason) =>
        Update(current => new PluginRegistration(PluginRegistrationState.Pending, current.Status, null, _timeProvider.GetUtcNow(), reason));

    public void SetRefused(string reason) =>
        Update(current => new PluginRegistration(PluginRegistrationState.Refused, current.Status, null, _timeProvider.GetUtcNow(), reason));

    /// <summary>
    /// Records the lifecycle status a heartbeat reported, keeping the rest of the snapshot. Ignored unless the plugin
    /// is still registered with <paramref name="token"/>: a late heartbeat answer must not revive a dropped token.
    /// </summary>
    public void SetStatus(PluginStatus status, PluginToken token) =>
        Update(current => current.State == PluginRegistrationState.Registered && ReferenceEquals(current.Token, token) && current.Status != status
            ? current with { Status = status, ChangedAt = _timeProvider.GetUtcNow() }
            : current);

    /// <summary>Derives the next snapshot from the current one under the lock, so concurrent updates never lose one another.</summary>
    private void Update(Func<PluginRegistration, PluginRegistration> next)
    {
        PluginRegistration previous;
        PluginRegistration published;
        lock (_gate)
        {
            previous = _registration;
            published = next(previous);
            if (ReferenceEquals(published, previous)
                || (previous.State == published.State && previous.Status == published.Status
                    && ReferenceEquals(previous.Token, published.Token) && previous.Reason == published.Reason))
            {
                return;
            }

            Volatile.Write(ref _registration, published);
            if (published.State == PluginRegistrationState.Registered)
            {
                _registered.TrySetResult(published);
            }
            else if (_registered.Task.IsCompleted)
            {
                _registered = NewCompletionSource();
            }

            if (previous.State != published.State || previous.Status != published.Status)
            {
                SdkLog.RegistrationStateChanged(_logger, PluginId, published.State, published.Status);
            }
        }

        try
        {
            RegistrationChanged?.Invoke(this, published);
        }
        catch (Exception ex)
        {
            // A faulty subscriber must not stop registration or renewal.
            SdkLog.RegistrationHandlerFailed(_logger, ex);
        }
    }

    private static TaskCompletionSource<PluginRegistration> NewCompletionSource() =>
        new(TaskCreationOptions.RunContinuationsAsynchronously);
}
