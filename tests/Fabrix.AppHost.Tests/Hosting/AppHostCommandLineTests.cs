using Fabrix.AppHost.Hosting;

namespace Fabrix.AppHost.Tests.Hosting;

public sealed class AppHostCommandLineTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void Parse_DataAndPortOffset_AreUsed()
    {
        var parsed = AppHostCommandLine.Parse(["--data", "/tmp/fabrix-data", "--port-offset", "100"], NoEnvironment);

        Assert.True(parsed.ShouldRun);
        Assert.Equal("/tmp/fabrix-data", parsed.Options.DataRoot);
        Assert.Equal(100, parsed.Options.PortOffset);
    }

    [Fact]
    public void Parse_NoArguments_UsesTheEnvironment()
    {
        var environment = new Dictionary<string, string?> { ["FABRIX_HOME"] = "/var/tmp/fx", ["FABRIX_PORT_OFFSET"] = "20" };

        var parsed = AppHostCommandLine.Parse([], name => environment.GetValueOrDefault(name));

        Assert.Equal("/var/tmp/fx", parsed.Options.DataRoot);
        Assert.Equal(20, parsed.Options.PortOffset);
    }

    [Fact]
    public void Parse_CommandLineAndEnvironment_CommandLineWins()
    {
        var environment = new Dictionary<string, string?> { ["FABRIX_HOME"] = "/var/tmp/fx", ["FABRIX_PORT_OFFSET"] = "20" };

        var parsed = AppHostCommandLine.Parse(["--data", "/srv/fx", "--port-offset", "0"], name => environment.GetValueOrDefault(name));

        Assert.Equal("/srv/fx", parsed.Options.DataRoot);
        Assert.Equal(0, parsed.Options.PortOffset);
    }

    [Fact]
    public void Parse_Nothing_DefaultsToTheRepositoryDataRootAndDefaultPorts()
    {
        var parsed = AppHostCommandLine.Parse([], NoEnvironment);

        Assert.True(parsed.ShouldRun);
        Assert.Null(parsed.Options.DataRoot);
        Assert.Equal(0, parsed.Options.PortOffset);
        Assert.False(parsed.Options.NoBuild);
        Assert.Equal(TimeSpan.FromSeconds(120), parsed.Options.StartupTimeout);
    }

    [Fact]
    public void Parse_PortOverridesAndNoBuild_AreRead()
    {
        var parsed = AppHostCommandLine.Parse(["--port", "console.http=8080", "--port", "postgres.tcp=5544", "--no-build", "--startup-timeout", "30"], NoEnvironment);

        Assert.Equal(8080, parsed.Options.PortOverrides["console.http"]);
        Assert.Equal(5544, parsed.Options.PortOverrides["postgres.tcp"]);
        Assert.True(parsed.Options.NoBuild);
        Assert.Equal(TimeSpan.FromSeconds(30), parsed.Options.StartupTimeout);
    }

    [Theory]
    [InlineData("--port", "console.http", "--port console.http: expected RESOURCE.ENDPOINT=PORT with a port from 1 to 65535")]
    [InlineData("--port", "console.http=0", "--port console.http=0: expected RESOURCE.ENDPOINT=PORT with a port from 1 to 65535")]
    [InlineData("--port-offset", "70000", "--port-offset 70000 is out of range")]
    [InlineData("--startup-timeout", "0", "--startup-timeout must be a positive number of seconds")]
    public void Parse_InvalidValue_IsReported(string option, string value, string expected)
    {
        var parsed = AppHostCommandLine.Parse([option, value], NoEnvironment);

        Assert.False(parsed.ShouldRun);
        Assert.Equal([expected], parsed.Errors);
    }

    [Fact]
    public void Parse_InvalidEnvironmentOffset_IsReported()
    {
        var parsed = AppHostCommandLine.Parse([], name => name == "FABRIX_PORT_OFFSET" ? "ten" : null);

        Assert.Equal(["FABRIX_PORT_OFFSET=ten is not a whole number"], parsed.Errors);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("--no-such-option")]
    public void Parse_HelpOrUnknownOption_DoesNotRun(string argument) =>
        Assert.False(AppHostCommandLine.Parse([argument], NoEnvironment).ShouldRun);

    [Fact]
    public void Find_FromTheTestOutputFolder_IsTheFolderHoldingFabrixSln()
    {
        var root = RepositoryRoot.Find(AppContext.BaseDirectory);

        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, "Fabrix.sln")));
        Assert.True(File.Exists(Path.Combine(root, "AppHost", "Fabrix.AppHost.csproj")));
    }
}
