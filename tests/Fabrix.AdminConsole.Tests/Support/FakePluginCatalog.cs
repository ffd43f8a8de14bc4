using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Fabrix.AdminConsole.Registry;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>
/// The registry as the pages see it, driven by the test: a list, a change stream the test writes to (and can break,
/// to make the feed reconnect), and the calls the pages made.
/// </summary>
internal sealed class FakePluginCatalog : IPluginCatalog
{
    private readonly Lock _gate = new();
    private Channel<PluginChange> _stream = Channel.CreateUnbounded<PluginChange>();
    private int _streamsOpened;
    private int _healthCalls;

    /// <summary>What <see cref="ListPageAsync"/> answers.</summary>
    public List<PluginSummary> Listed { get; } = [];

    public List<string> Calls { get; } = [];

    /// <summary>When set, <see cref="ListPageAsync"/> fails with it.</summary>
    public RegistryException? ListFailure { get; set; }

    /// <summary>When set, lifecycle and install calls fail with it.</summary>
    public RegistryException? Refusal { get; set; }

    public Dictionary<string, PluginDetail> Details { get; } = new(StringComparer.Ordinal);

    /// <summary>What <see cref="GetHealthAsync"/> answers, by plugin id; missing ids fail with NOT_FOUND.</summary>
    public Dictionary<string, PluginHealth> Health { get; } = new(StringComparer.Ordinal);

    public int HealthCalls => Volatile.Read(ref _healthCalls);

    /// <summary>What <see cref="PreviewUpgradeAsync"/> answers.</summary>
    public UpgradePreview Preview { get; set; } = new();

    /// <summary>The manifests <see cref="PreviewUpgradeAsync"/> was asked about.</summary>
    public List<string> Previewed { get; } = [];

    /// <summary>When set, disable and unregister without cascade fail with it (active dependents exist).</summary>
    public RegistryException? DependentsRefusal { get; set; }

    public int StreamsOpened => Volatile.Read(ref _streamsOpened);

    /// <summary>Changes pushed to the open stream that nobody has read yet.</summary>
    public int UnreadChanges
    {
        get
        {
            lock (_gate)
            {
                return _stream.Reader.Count;
            }
        }
    }

    public int ListCalls { get; private set; }

    public void Push(PluginChange.Types.Kind kind, PluginSummary plugin)
    {
        lock (_gate)
        {
            _stream.Writer.TryWrite(new PluginChange { Kind = kind, Plugin = plugin });
        }
    }

    /// <summary>Breaks the open stream; the next <see cref="WatchAsync"/> gets a fresh one.</summary>
    public void BreakStream(RegistryException failure)
    {
        lock (_gate)
        {
            _stream.Writer.TryComplete(failure);
            _stream = Channel.CreateUnbounded<PluginChange>();
        }
    }

    /// <summary>Pages <see cref="Listed"/> as the registry does: ordered by id, tokens are the offset of the next page.</summary>
    public Task<ListPluginsResponse> ListPageAsync(ListPluginsRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ListCalls++;
            ListRequests.Add(request.Clone());
            if (ListFailure is not null)
            {
                throw ListFailure;
            }

            var ordered = Listed.OrderBy(p => p.Id, StringComparer.Ordinal).ToArray();
            var size = request.PageSize is > 0 and <= 200 ? request.PageSize : 50;
            var offset = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken, System.Globalization.CultureInfo.InvariantCulture);
            var page = ordered.Skip(offset).Take(size).ToArray();
            var next = offset + page.Length < ordered.Length
                ? (offset + page.Length).ToString(System.Globalization.CultureInfo.InvariantCulture)
                : string.Empty;
            return Task.FromResult(new ListPluginsResponse { Plugins = { page }, NextPageToken = next, TotalCount = ordered.Length });
        }
    }

    /// <summary>Every list request, in order.</summary>
    public List<ListPluginsRequest> ListRequests { get; } = [];

    public async IAsyncEnumerable<PluginChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ChannelReader<PluginChange> reader;
        lock (_gate)
        {
            reader = _stream.Reader;
            _streamsOpened++;
        }

        await foreach (var change in reader.ReadAllAsync(cancellationToken))
        {
            yield return change;
        }
    }

    public Task<PluginDetail> GetAsync(string id, CancellationToken cancellationToken) =>
        Details.TryGetValue(id, out var detail)
            ? Task.FromResult(detail)
            : throw new RegistryException(Grpc.Core.StatusCode.NotFound, $"Plugin '{id}' not found.", []);

    public Task<InstallPluginResponse> InstallAsync(string manifestJson, bool enableOnRegister, CancellationToken cancellationToken)
    {
        Record($"install enable_on_register={enableOnRegister}");
        var id = System.Text.Json.JsonDocument.Parse(manifestJson).RootElement.GetProperty("id").GetString()!;
        var response = InstallAnswer?.Clone() ?? new InstallPluginResponse();
        response.Plugin = new PluginDetail { Summary = Plugins.Summary(id, PluginStatus.Installed) };
        return Task.FromResult(response);
    }

    /// <summary>Warnings and the registration credential an install answers with (the plugin is filled in from the manifest).</summary>
    public InstallPluginResponse? InstallAnswer { get; set; }

    /// <summary>The credential a rotation issues.</summary>
    public RegistrationCredential RotatedCredential { get; set; } = TestCredentials.Issued("fxrc_c2_rotatedsecret", "c2");

    public Task<RotateRegistrationCredentialResponse> RotateCredentialAsync(string id, string reason, CancellationToken cancellationToken)
    {
        Record($"rotate {id} reason={reason}");
        var detail = Details.TryGetValue(id, out var known) ? known.Clone() : new PluginDetail { Summary = Plugins.Summary(id, PluginStatus.Active) };
        detail.RegistrationCredential = RotatedCredential.Info.Clone();
        return Task.FromResult(new RotateRegistrationCredentialResponse { Plugin = detail, Credential = RotatedCredential });
    }

    /// <summary>When a push secret rotation answers; the previous secret is valid for a day after it.</summary>
    public DateTimeOffset PushSecretRotatedAt { get; set; } = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    public Task<RotatePushSecretResponse> RotatePushSecretAsync(string id, string reason, CancellationToken cancellationToken)
    {
        Record($"rotate-push-secret {id} reason={reason}");
        var detail = Details.TryGetValue(id, out var known) ? known.Clone() : new PluginDetail { Summary = Plugins.Summary(id, PluginStatus.Active) };
        return Task.FromResult(new RotatePushSecretResponse
        {
            Plugin = detail,
            RotatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(PushSecretRotatedAt),
            PreviousValidUntil = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(PushSecretRotatedAt.AddDays(1)),
        });
    }

    public Task<PluginDetail> RevokeCredentialAsync(string id, string reason, CancellationToken cancellationToken)
    {
        Record($"revoke {id} reason={reason}");
        var detail = Details.TryGetValue(id, out var known) ? known.Clone() : new PluginDetail { Summary = Plugins.Summary(id, PluginStatus.Active) };
        detail.RegistrationCredential = null;
        return Task.FromResult(detail);
    }

    public Task<PluginDetail> EnableAsync(string id, string reason, CancellationToken cancellationToken) =>
        Transition("enable", id, reason, PluginStatus.Active);

    public Task<PluginDetail> DisableAsync(string id, string reason, bool cascade, CancellationToken cancellationToken) =>
        Transition("disable", id, reason, PluginStatus.Disabled, cascade);

    public Task<PluginDetail> UnregisterAsync(string id, string reason, bool cascade, CancellationToken cancellationToken) =>
        Transition("unregister", id, reason, PluginStatus.Unregistered, cascade);

    public Task UninstallAsync(string id, string reason, CancellationToken cancellationToken)
    {
        Record($"uninstall {id} reason={reason}");
        return Task.CompletedTask;
    }

    public Task<UpgradePreview> PreviewUpgradeAsync(string manifestJson, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Previewed.Add(manifestJson);
        }

        Record("preview");
        return Task.FromResult(Preview);
    }

    public Task<PluginDetail> UpgradeAsync(string manifestJson, bool approvePermissions, string reason, CancellationToken cancellationToken)
    {
        Record($"upgrade approve={approvePermissions} reason={reason}");
        var id = System.Text.Json.JsonDocument.Parse(manifestJson).RootElement.GetProperty("id").GetString()!;
        var summary = Plugins.Summary(id, PluginStatus.Installed);
        summary.Version = Preview.Diff?.ToVersion ?? summary.Version;
        return Task.FromResult(new PluginDetail { Summary = summary, PinnedVersion = summary.Version });
    }

    public Task<PluginDetail> RollbackAsync(string id, string version, string reason, CancellationToken cancellationToken)
    {
        Record($"rollback {id} {version} reason={reason}");
        var detail = Details.TryGetValue(id, out var known) ? known.Clone() : new PluginDetail { Summary = Plugins.Summary(id, PluginStatus.Active) };
        detail.PinnedVersion = version;
        foreach (var installed in detail.Versions)
        {
            installed.Pinned = installed.Version == version;
        }

        return Task.FromResult(detail);
    }

    public Task<PluginHealth> GetHealthAsync(string id, int sampleLimit, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _healthCalls);
        lock (_gate)
        {
            return Health.TryGetValue(id, out var health)
                ? Task.FromResult(health)
                : throw new RegistryException(Grpc.Core.StatusCode.NotFound, $"Plugin '{id}' not found.", []);
        }
    }

    private Task<PluginDetail> Transition(string verb, string id, string reason, PluginStatus to, bool cascade = false)
    {
        Record($"{verb} {id} reason={reason}{(cascade ? " cascade" : string.Empty)}");
        if (!cascade && verb is "disable" or "unregister" && DependentsRefusal is not null)
        {
            throw DependentsRefusal;
        }

        return Task.FromResult(new PluginDetail { Summary = Plugins.Summary(id, to) });
    }

    private void Record(string call)
    {
        lock (_gate)
        {
            Calls.Add(call);
        }

        if (Refusal is not null)
        {
            throw Refusal;
        }
    }
}
