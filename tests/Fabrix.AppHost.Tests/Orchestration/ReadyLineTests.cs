using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Tests.Support;

namespace Fabrix.AppHost.Tests.Orchestration;

public sealed class ReadyLineTests
{
    [Fact]
    public async Task ReadyLine_Platform_StartsWithTheConsoleAndTheRegistryGrpcAddress()
    {
        await using var run = new TestRun();
        var builder = TestRun.Builder().AddFabrixPlatform();

        var line = new Orchestrator(builder.Resources, run.Context).ReadyLine();

        Assert.Equal(
            "FABRIX READY console=http://127.0.0.1:5000 console.http=http://127.0.0.1:5000 "
            + "registry=http://127.0.0.1:5101 registry.http=http://127.0.0.1:5100 registry.grpc=http://127.0.0.1:5101 "
            + "user-management=http://127.0.0.1:5200 user-management.http=http://127.0.0.1:5200 "
            + $"postgres=postgresql://postgres@127.0.0.1:5433 nats=nats://127.0.0.1:4222 data={run.DataRoot}",
            line);
    }
}
