namespace Fabrix.Core.Lanes.Tests;

public sealed class LanesAssemblyTests
{
    [Fact]
    public void Name_MatchesTheBuiltAssembly() =>
        Assert.Equal(LanesAssembly.Name, typeof(LanesAssembly).Assembly.GetName().Name);
}
