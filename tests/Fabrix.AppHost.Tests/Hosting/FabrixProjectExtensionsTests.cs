using Fabrix.AppHost.Hosting;

namespace Fabrix.AppHost.Tests.Hosting;

public sealed class FabrixProjectExtensionsTests
{
    [Theory]
    [InlineData("http", "Http")]
    [InlineData("grpc", "Grpc")]
    [InlineData("admin-api", "AdminApi")]
    [InlineData("a--b", "AB")]
    public void KestrelEndpointName_EndpointName_IsItsPascalCaseConfigurationKey(string endpoint, string expected) =>
        Assert.Equal(expected, FabrixProjectExtensions.KestrelEndpointName(endpoint));
}
