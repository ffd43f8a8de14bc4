using Fabrix.AppHost.Hosting;

namespace Fabrix.AppHost.Tests.Hosting;

/// <summary>Issue 8 section 2: <c>--port-offset</c>, <c>--data</c> and <c>--no-build</c> keep working; the rest goes to Aspire.</summary>
public sealed class FabrixRunOptionsTests
{
    [Fact]
    public void Parse_NoArguments_IsTheDefault()
    {
        var options = FabrixRunOptions.Parse([]);

        Assert.Equal(0, options.PortOffset);
        Assert.Null(options.DataRoot);
        Assert.False(options.NoBuild);
        Assert.Empty(options.AspireArgs);
    }

    [Theory]
    [InlineData("--port-offset 10", 10)]
    [InlineData("--port-offset=10", 10)]
    [InlineData("--port-offset 0", 0)]
    [InlineData("--port-offset=46645", 46645)]
    [InlineData("--port-offset 5 --port-offset 6", 6)]
    public void Parse_PortOffset_TakesTheValueAfterOrAfterTheEqualsSign(string commandLine, int expected) =>
        Assert.Equal(expected, FabrixRunOptions.Parse(commandLine.Split(' ')).PortOffset);

    [Theory]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData("ten")]
    [InlineData("1.5")]
    [InlineData("")]
    [InlineData("46646")]
    [InlineData("99999999999")]
    public void Parse_BadPortOffset_FailsNamingTheRange(string value)
    {
        var error = Assert.Throws<AppHostException>(() => FabrixRunOptions.Parse(["--port-offset", value]));

        Assert.Equal($"--port-offset must be a whole number from 0 to 46645 (got '{value}')", error.Message);
    }

    [Fact]
    public void Parse_PortOffsetWithoutValue_FailsWithAnExample()
    {
        var error = Assert.Throws<AppHostException>(() => FabrixRunOptions.Parse(["--port-offset"]));

        Assert.Equal("--port-offset needs a value, e.g. --port-offset 100", error.Message);
    }

    [Theory]
    [InlineData("--data /var/tmp/fabrix")]
    [InlineData("--data=/var/tmp/fabrix")]
    public void Parse_Data_TakesTheFolder(string commandLine) =>
        Assert.Equal("/var/tmp/fabrix", FabrixRunOptions.Parse(commandLine.Split(' ')).DataRoot);

    [Fact]
    public void Parse_DataWithoutValue_FailsWithAnExample()
    {
        var error = Assert.Throws<AppHostException>(() => FabrixRunOptions.Parse(["--data"]));

        Assert.Equal("--data needs a value, e.g. --data /var/tmp/fabrix", error.Message);
    }

    [Theory]
    [InlineData("--data=")]
    [InlineData("--data=  ")]
    public void Parse_EmptyData_FailsWithAnExample(string arg)
    {
        var error = Assert.Throws<AppHostException>(() => FabrixRunOptions.Parse([arg]));

        Assert.Equal("--data needs a folder, e.g. --data /var/tmp/fabrix", error.Message);
    }

    [Fact]
    public void Parse_NoBuild_IsAcceptedAndNotPassedToAspire()
    {
        var options = FabrixRunOptions.Parse(["--no-build"]);

        Assert.True(options.NoBuild);
        Assert.Empty(options.AspireArgs);
    }

    [Fact]
    public void Parse_OtherArguments_GoToAspireInTheirOrder()
    {
        var options = FabrixRunOptions.Parse(
            ["--operation", "publish", "--port-offset", "5", "--no-build", "--data=/var/tmp/x", "--Logging:LogLevel:Default=Debug", "positional", "--no-build=x"]);

        Assert.Equal((5, "/var/tmp/x", true), (options.PortOffset, options.DataRoot, options.NoBuild));
        Assert.Equal(["--operation", "publish", "--Logging:LogLevel:Default=Debug", "positional", "--no-build=x"], options.AspireArgs);
    }

    [Fact]
    public void ResolveDataRoot_RelativeData_IsUnderTheCurrentDirectory()
    {
        var options = FabrixRunOptions.Parse(["--data", "relative/data"]);

        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "relative", "data"), options.ResolveDataRoot("/repo", fabrixHome: "/home/fabrix"));
    }

    [Fact]
    public void ResolveDataRoot_NoDataButFabrixHome_IsFabrixHome() =>
        Assert.Equal("/home/fabrix", FabrixRunOptions.Default.ResolveDataRoot("/repo", fabrixHome: "/home/fabrix"));

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public void ResolveDataRoot_Neither_IsDotFabrixInTheRepository(string? fabrixHome) =>
        Assert.Equal("/repo/.fabrix", FabrixRunOptions.Default.ResolveDataRoot("/repo", fabrixHome));
}
