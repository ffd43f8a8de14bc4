using Fabrix.Cli.Tests.Audit;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Cli.Tests.Plugins;

/// <summary>
/// Issue 7 sections 3 and 6: the CLI reports what happened. A success is never "failed", a refusal exits 1, an outage
/// or a transport error exits 2 with a plain sentence, a failure inside the registry exits 3.
/// </summary>
public sealed class RegistryFailureTests(RealRegistry registries) : IClassFixture<RealRegistry>, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Install_PostgresDownUnderTheRealRegistry_ExitsTwoWithAPlainSentence()
    {
        var registry = await registries.StartAsync();
        await registries.StopPostgresAsync();
        var file = _directory.Write("manifest.json", Manifests.UserManagement);

        var result = await Cli(registry.OpenChannel).RunAsync("plugins", "install", file);

        Assert.Equal(ExitCodes.UsageOrIo, result.ExitCode);
        Assert.Equal("fabrix: Cannot complete the request now: the registry cannot reach its database; retrying is safe.", result.Error.TrimEnd());
        Assert.Equal(string.Empty, result.Output);
    }

    [Fact]
    public async Task Install_ReplyLargerThanGrpcDefaultLimit_ReportsTheInstall()
    {
        // The reported case: a successful install whose reply (manifest and description, 3 MB each) passed 4 MB.
        var description = new string('d', 3 * 1024 * 1024);
        await using var registry = await ScriptedRegistry.StartAsync(request => new InstallPluginResponse
        {
            Plugin = new PluginDetail
            {
                Summary = new PluginSummary { Id = "user-management", Version = "1.0.0", Status = PluginStatus.Installed, Description = description },
                ManifestJson = request.ManifestJson + new string(' ', 3 * 1024 * 1024),
            },
        });
        var file = _directory.Write("manifest.json", Manifests.UserManagement);

        var result = await Cli(registry.OpenChannel).RunAsync("plugins", "install", file);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.StartsWith("Installed user-management 1.0.0", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("failed", result.Output + result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Install_RegistryRefusesAsTooLarge_ExitsOneAsARefusal()
    {
        await using var registry = await ScriptedRegistry.StartAsync(_ =>
            throw new RpcException(new Grpc.Core.Status(StatusCode.ResourceExhausted, "The manifest is larger than 65536 bytes.")));
        var file = _directory.Write("manifest.json", Manifests.UserManagement);

        var result = await Cli(registry.OpenChannel).RunAsync("plugins", "install", file);

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Equal("fabrix: The registry refused the request: The manifest is larger than 65536 bytes.", result.Error.TrimEnd());
    }

    [Fact]
    public async Task Install_RegistryAnswersUnavailableForItsDatabase_ExitsTwoWithoutCannotReachTheRegistry()
    {
        await using var registry = await ScriptedRegistry.StartAsync(_ =>
        {
            var status = new Google.Rpc.Status { Code = (int)Code.Unavailable, Message = "The registry cannot reach its database; retrying is safe." };
            status.Details.Add(Any.Pack(new ErrorInfo { Reason = "DATABASE_UNAVAILABLE", Domain = "registry.fabrix" }));
            throw status.ToRpcException();
        });
        var file = _directory.Write("manifest.json", Manifests.UserManagement);

        var result = await Cli(registry.OpenChannel).RunAsync("plugins", "install", file);

        Assert.Equal(ExitCodes.UsageOrIo, result.ExitCode);
        Assert.DoesNotContain("Cannot reach the registry", result.Error, StringComparison.Ordinal);
        Assert.Contains("the registry cannot reach its database", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_RegistryFailsInternally_ExitsThreeSayingTheOutcomeIsUnknown()
    {
        await using var registry = await ScriptedRegistry.StartAsync(_ => throw new InvalidOperationException("a bug"));
        var file = _directory.Write("manifest.json", Manifests.UserManagement);

        var result = await Cli(registry.OpenChannel).RunAsync("plugins", "install", file);

        Assert.Equal(ExitCodes.RegistryError, result.ExitCode);
        Assert.StartsWith("fabrix: The registry failed while handling the request (Unknown: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("may or may not have been carried out", result.Error, StringComparison.Ordinal);
    }

    private CliRun Cli(Func<Uri, Grpc.Net.Client.GrpcChannel> openChannel) =>
        new CliRun(_directory.Path) { OpenChannel = openChannel }
            .With("FABRIX_REGISTRY", ScriptedRegistry.Address.ToString())
            .With(DevelopmentAdminToken.KeyFileEnvironmentVariable, registries.DevKeyPath);
}
