using System.Net;
using System.Net.Http.Headers;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Core.Registry.Tests.Requests;

/// <summary>
/// Issue 7 sections 3 and 4 at the registry's API boundary: bad identifiers, NUL in manifest text, oversized messages,
/// garbage protobuf and invalid UTF-8 are INVALID_ARGUMENT (or RESOURCE_EXHAUSTED), never UNKNOWN, and each refusal
/// leaves an audit row with a bounded copy of what was sent.
/// </summary>
public sealed class InputBoundaryTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetPlugin_IdWithNul_InvalidArgumentNamingIdAndAudited()
    {
        var id = "nul\0" + Guid.NewGuid().ToString("N")[..8];

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["id"], Violations(error).Select(v => v.Field));
        var row = Assert.Single(await host.AuditRowsAsync(id.Replace("\0", "\\u0000", StringComparison.Ordinal)));
        Assert.Equal(("plugin.read", "refused", "user:morgan"), (row.Action, row.Outcome, row.Actor));
    }

    [Fact]
    public async Task DisablePlugin_IdOfThreeThousandCharacters_InvalidArgumentAndAuditTargetBounded()
    {
        var marker = Guid.NewGuid().ToString("N");
        var id = marker + new string('a', 3000);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["id"], Violations(error).Select(v => v.Field));
        Assert.Contains("at most 64 characters", error.Status.Detail, StringComparison.Ordinal);
        var target = await host.ScalarAsync<string>("select target from audit_log where target like @prefix and action = 'plugin.disable'", ("prefix", marker + "%"));
        Assert.True(target.Length <= 256, $"target of {target.Length} characters");
        Assert.Contains("characters cut", target, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UninstallPlugin_ReasonWithControlCharacter_InvalidArgumentNamingReason()
    {
        var id = TestManifests.NewId("reason");
        await host.InstallAsync(id);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.UninstallPluginAsync(new UninstallPluginRequest { Id = id, Reason = "gone\0" }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["reason"], Violations(error).Select(v => v.Field));
        Assert.Equal(PluginStatus.Installed, (await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct)).Summary.Status);
    }

    [Fact]
    public async Task InstallPlugin_NameWithNul_RefusedByValidatorAndAudited()
    {
        var id = TestManifests.NewId("nulname");
        var manifest = TestManifests.Manifest(id);
        manifest["name"] = "User\0Management";

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString() }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["$.name"], Violations(error).Select(v => v.Field));
        var row = Assert.Single(await host.AuditRowsAsync(id));
        Assert.Equal(("plugin.install", "refused"), (row.Action, row.Outcome));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from plugins where id = @id", ("id", id)));
    }

    [Fact]
    public async Task InstallPlugin_ManifestOver64KiB_InvalidArgumentAtRootNothingStored()
    {
        var id = TestManifests.NewId("big");
        var manifest = TestManifests.Manifest(id);
        manifest["x_padding"] = new string('x', 70_000);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString() }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["$"], Violations(error).Select(v => v.Field));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from plugin_manifests where plugin_id = @id", ("id", id)));
    }

    [Fact]
    public async Task InstallPlugin_MessageOverReceiveLimit_ResourceExhaustedNothingChanged()
    {
        var id = TestManifests.NewId("huge");
        var manifest = TestManifests.Manifest(id);
        manifest["description"] = new string('d', 3_000_000);
        var rowsBefore = await host.ScalarAsync<long>("select count(*) from audit_log");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString() }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from plugin_manifests where plugin_id = @id", ("id", id)));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from audit_log where target = @id", ("id", id)));
        Assert.True(await host.ScalarAsync<long>("select count(*) from audit_log") >= rowsBefore);
    }

    [Fact]
    public async Task Heartbeat_MessageOverPluginRegistryLimit_ResourceExhausted()
    {
        var request = new HeartbeatRequest { PluginId = "echo" };
        for (var i = 0; i < 20_000; i++)
        {
            request.Metrics[$"metric_{i}"] = i;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Plugins.HeartbeatAsync(request, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task GetPlugin_GarbageProtobuf_InvalidArgumentAndAudited()
    {
        var before = await MalformedRowsAsync();

        var (status, details) = await SendRawAsync("/fabrix.registry.v1.RegistryAdmin/GetPlugin", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);

        Assert.Equal(StatusCode.InvalidArgument, status);
        Assert.Equal(["$"], details.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
        Assert.Equal(before + 1, await MalformedRowsAsync());
    }

    [Fact]
    public async Task GetPlugin_InvalidUtf8InId_InvalidArgumentAndAudited()
    {
        var before = await MalformedRowsAsync();

        // Field 1 (id), length-delimited, two bytes that are not UTF-8.
        var (status, _) = await SendRawAsync("/fabrix.registry.v1.RegistryAdmin/GetPlugin", [0x0A, 0x02, 0xC3, 0x28]);

        Assert.Equal(StatusCode.InvalidArgument, status);
        Assert.Equal(before + 1, await MalformedRowsAsync());
    }

    [Fact]
    public async Task Register_TruncatedProtobuf_InvalidArgument()
    {
        // Field 1 (manifest_json) says 100 bytes follow; 3 do.
        var (status, _) = await SendRawAsync("/fabrix.registry.v1.PluginRegistry/Register", [0x0A, 0x64, 0x7B, 0x7D, 0x20]);

        Assert.Equal(StatusCode.InvalidArgument, status);
    }

    [Fact]
    public async Task GetPlugin_WellFormedRawRequest_ReachesTheService()
    {
        var id = TestManifests.NewId("raw");
        await host.InstallAsync(id);

        var (status, _) = await SendRawAsync("/fabrix.registry.v1.RegistryAdmin/GetPlugin", new GetPluginRequest { Id = id }.ToByteArray());

        Assert.Equal(StatusCode.OK, status);
    }

    [Fact]
    public async Task RestHeartbeat_IdNotAPluginId_BadRequestNamingIdAndAudited()
    {
        var id = TestManifests.NewId("beat");
        await host.InstallAsync(id);
        var token = (await host.RegisterRestOkAsync(id)).GetProperty("token").GetString()!;
        var badId = id.ToUpperInvariant() + new string('X', 70);

        using var response = await host.PostWithTokenAsync($"/plugins/{badId}/heartbeat", token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"id\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var row = Assert.Single(await host.AuditRowsAsync(badId));
        Assert.Equal(("plugin.heartbeat", "refused", $"plugin:{id}"), (row.Action, row.Outcome, row.Actor));
    }

    [Fact]
    public async Task GrpcHeartbeat_PluginIdWithNul_InvalidArgumentNamingPluginId()
    {
        var id = TestManifests.NewId("gbeat");
        await host.InstallAsync(id);
        var token = (await host.RegisterRestOkAsync(id)).GetProperty("token").GetString()!;

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Plugins.HeartbeatAsync(new HeartbeatRequest { PluginId = id + "\0" }, RegistryHost.PluginHeaders(token), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["plugin_id"], Violations(error).Select(v => v.Field));
    }

    private Task<long> MalformedRowsAsync() =>
        host.AuditedRefusalsAsync("action = 'request.malformed' and actor = 'anonymous'");

    /// <summary>A gRPC call made by hand with a plain HttpClient over HTTP/2: one framed message of <paramref name="message"/> bytes.</summary>
    private async Task<(StatusCode Status, Google.Rpc.Status Details)> SendRawAsync(string path, byte[] message)
    {
        using var client = new HttpClient(host.Factory.Server.CreateHandler()) { BaseAddress = host.Factory.Server.BaseAddress };
        var frame = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        foreach (var entry in host.Manager)
        {
            request.Headers.TryAddWithoutValidation(entry.Key, entry.Value);
        }

        using var response = await client.SendAsync(request, Ct);
        await response.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = Header(response, "grpc-status") ?? throw new InvalidOperationException("No grpc-status in the response.");
        var details = Header(response, "grpc-status-details-bin") is { } bin
            ? Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(bin.PadRight(bin.Length + ((4 - (bin.Length % 4)) % 4), '=')))
            : new Google.Rpc.Status();
        return ((StatusCode)int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), details);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.First()
        : response.TrailingHeaders.TryGetValues(name, out var trailers) ? trailers.First()
        : null;

    private static IReadOnlyList<BadRequest.Types.FieldViolation> Violations(RpcException error) =>
        [.. error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations];
}
