using Fabrix.AppHost.Model;
using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Tests.Support;

namespace Fabrix.AppHost.Tests.Orchestration;

public sealed class ResourceGraphTests
{
    [Fact]
    public void StartOrder_Platform_PutsEveryResourceAfterItsDependencies()
    {
        var builder = TestRun.Builder().AddFabrixPlatform();

        var order = ResourceGraph.StartOrder(builder.Resources);

        Assert.Equal(builder.Resources.Count, order.Count);
        foreach (var resource in order)
        {
            foreach (var dependency in resource.Dependencies)
            {
                Assert.True(IndexOf(order, dependency.Name) < IndexOf(order, resource.Name), $"{dependency.Name} must start before {resource.Name}");
            }
        }

        Assert.Equal(["postgres", "nats", "registry", "console", "user-management"], order.Select(r => r.Name));
    }

    [Fact]
    public void StartOrder_DependencyDeclaredAfterItsDependent_StartsFirst()
    {
        var builder = TestRun.Builder();
        var console = builder.AddProject("console", "AdminConsole/Fabrix.AdminConsole.csproj").WithHttpEndpoint("http", 5000);
        var registry = builder.AddProject("registry", "Core.Registry/Fabrix.Core.Registry.csproj").WithHttpEndpoint("http", 5100);
        var nats = builder.AddNats("nats", 4222);
        console.WaitFor(registry);
        registry.WithReference(nats);

        var order = ResourceGraph.StartOrder(builder.Resources);

        Assert.Equal(["nats", "registry", "console"], order.Select(r => r.Name));
    }

    [Fact]
    public void StartOrder_Cycle_IsRefusedNamingTheCycle()
    {
        var builder = TestRun.Builder();
        var a = builder.AddProject("a", "A/A.csproj");
        var b = builder.AddProject("b", "B/B.csproj");
        var c = builder.AddProject("c", "C/C.csproj");
        a.WaitFor(b);
        b.WaitFor(c);
        c.WaitFor(a);

        var error = Assert.Throws<AppHostException>(() => ResourceGraph.StartOrder(builder.Resources));

        Assert.Equal("resources depend on each other in a cycle: a -> b -> c -> a", error.Message);
    }

    [Fact]
    public async Task Build_Cycle_IsReportedAsOneLineAndExitCode2()
    {
        var builder = TestRun.Builder();
        await using var run = new TestRun();
        builder.Reporter = run.Reporter;
        var a = builder.AddProject("a", "A/A.csproj");
        var b = builder.AddProject("b", "B/B.csproj");
        a.WaitFor(b);
        b.WaitFor(a);

        var exitCode = await builder.Build().RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Equal("error: resources depend on each other in a cycle: a -> b -> a", run.Output.ToString().Trim());
    }

    [Fact]
    public void StartOrder_DependencyOutsideTheApplication_IsRefused()
    {
        var other = TestRun.Builder().AddNats("nats", 4222);
        var builder = TestRun.Builder();
        builder.AddProject("registry", "Core.Registry/Fabrix.Core.Registry.csproj").WaitFor(other);

        var error = Assert.Throws<AppHostException>(() => ResourceGraph.StartOrder(builder.Resources));

        Assert.Contains("registry depends on nats, which is not part of this application", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StopOrder_Platform_IsTheReverseOfTheStartOrder()
    {
        var builder = TestRun.Builder().AddFabrixPlatform();

        var start = ResourceGraph.StartOrder(builder.Resources).Select(r => r.Name).ToList();
        var stop = ResourceGraph.StopOrder(builder.Resources).Select(r => r.Name).ToList();

        Assert.Equal(Enumerable.Reverse(start), stop);
        Assert.Equal(["user-management", "console", "registry", "nats", "postgres"], stop);
    }

    private static int IndexOf(IReadOnlyList<IResource> order, string name) => order.ToList().FindIndex(r => r.Name == name);
}
