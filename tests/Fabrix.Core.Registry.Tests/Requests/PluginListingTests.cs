using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Core.Registry.Tests.Requests;

/// <summary>Issue 7 section 3: ListPlugins returns summaries in pages ordered by id; a large manifest cannot break it.</summary>
public sealed class PluginListingTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListPlugins_PagesOfTwo_EveryMatchOnceInIdOrderWithTotal()
    {
        var prefix = "page-" + Guid.NewGuid().ToString("N")[..6];
        var ids = new[] { $"{prefix}-c", $"{prefix}-a", $"{prefix}-e", $"{prefix}-b", $"{prefix}-d" };
        foreach (var id in ids)
        {
            await host.InstallAsync(id);
        }

        var seen = new List<string>();
        var pages = 0;
        var token = string.Empty;
        do
        {
            var page = await host.Admin.ListPluginsAsync(new ListPluginsRequest { Search = prefix, PageSize = 2, PageToken = token }, host.Manager, cancellationToken: Ct);
            Assert.Equal(5, page.TotalCount);
            Assert.True(page.Plugins.Count <= 2);
            seen.AddRange(page.Plugins.Select(p => p.Id));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);

        Assert.Equal(3, pages);
        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task ListPlugins_DefaultPageSize_FiftyWithToken()
    {
        var prefix = "many-" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 51; i++)
        {
            await host.InstallAsync($"{prefix}-{i:D2}");
        }

        var first = await host.Admin.ListPluginsAsync(new ListPluginsRequest { Search = prefix }, host.Manager, cancellationToken: Ct);
        var second = await host.Admin.ListPluginsAsync(new ListPluginsRequest { Search = prefix, PageToken = first.NextPageToken }, host.Manager, cancellationToken: Ct);

        Assert.Equal(50, first.Plugins.Count);
        Assert.Equal(51, first.TotalCount);
        Assert.Equal([$"{prefix}-50"], second.Plugins.Select(p => p.Id));
        Assert.Empty(second.NextPageToken);
    }

    [Fact]
    public async Task ListPlugins_LargeButValidManifest_SummaryStaysSmall()
    {
        var id = TestManifests.NewId("large");
        var manifest = TestManifests.Manifest(id, description: new string('d', 2000));
        manifest["x_padding"] = new string('x', 60_000);
        await host.InstallAsync(id, manifestJson: manifest.ToJsonString());

        var page = await host.Admin.ListPluginsAsync(new ListPluginsRequest { Search = id }, host.Manager, cancellationToken: Ct);
        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);

        var summary = Assert.Single(page.Plugins);
        Assert.Equal(2000, summary.Description.Length);
        Assert.True(page.CalculateSize() < 4096, $"page of {page.CalculateSize()} bytes");
        Assert.True(detail.ManifestJson.Length > 60_000);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(201)]
    public async Task ListPlugins_PageSizeOutOfRange_InvalidArgumentNamingPageSize(int pageSize)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.ListPluginsAsync(new ListPluginsRequest { PageSize = pageSize }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["page_size"], Fields(error));
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("eyJ2IjoxLCJhZnRlciI6IkJBRFxuSUQiLCJmaWx0ZXIiOiJ4In0")]
    public async Task ListPlugins_TamperedPageToken_InvalidArgumentNamingPageToken(string token)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.ListPluginsAsync(new ListPluginsRequest { PageToken = token }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["page_token"], Fields(error));
    }

    [Fact]
    public async Task ListPlugins_TokenOfAnotherFilter_InvalidArgumentAndAudited()
    {
        var prefix = "filter-" + Guid.NewGuid().ToString("N")[..6];
        await host.InstallAsync($"{prefix}-a");
        await host.InstallAsync($"{prefix}-b");
        var first = await host.Admin.ListPluginsAsync(new ListPluginsRequest { Search = prefix, PageSize = 1 }, host.Manager, cancellationToken: Ct);
        var refusalsBefore = await host.AuditedRefusalsAsync("target = 'plugins'");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.ListPluginsAsync(new ListPluginsRequest { Search = "other", PageToken = first.NextPageToken }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("different filter", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(refusalsBefore + 1, await host.AuditedRefusalsAsync("target = 'plugins'"));
    }

    [Fact]
    public async Task ListPlugins_SearchWithNul_InvalidArgumentNamingSearch()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.ListPluginsAsync(new ListPluginsRequest { Search = "a\0b" }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(["search"], Fields(error));
    }

    private static IEnumerable<string> Fields(RpcException error) =>
        error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field);
}
