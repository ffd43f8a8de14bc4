using System.Net;
using Fabrix.Core.Lanes.Egress;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Core.Lanes.Tests.Egress;

/// <summary>The connector against a real loopback receiver, reachable only through the test allowance.</summary>
public sealed class EgressConnectorTests : IAsyncLifetime
{
    private WebApplication? _receiver;
    private int _port;
    private int _hits;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _receiver = builder.Build();
        _receiver.MapGet("/hook", () =>
        {
            Interlocked.Increment(ref _hits);
            return Results.Text("received");
        });
        _receiver.MapGet("/redirect", () => Results.Redirect("/hook"));
        await _receiver.StartAsync(TestContext.Current.CancellationToken);
        _port = new Uri(_receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }

    private static EgressRules Rules(string allowance = "127.0.0.1/32") =>
        new([DomainPattern.Parse("receiver.test")!], [], TestAllowance: IPNetwork.Parse(allowance));

    [Fact]
    public async Task Send_AllowedNameInsideAllowance_ReachesReceiver()
    {
        using var client = new HttpClient(EgressConnector.CreateHandler(Rules(), new PinnedResolver("127.0.0.1"), TimeSpan.FromSeconds(5)));

        var body = await client.GetStringAsync(new Uri($"http://receiver.test:{_port}/hook"), TestContext.Current.CancellationToken);

        Assert.Equal("received", body);
        Assert.Equal(1, _hits);
    }

    [Fact]
    public async Task Send_NotAllowlisted_RefusedBeforeConnecting()
    {
        using var client = new HttpClient(EgressConnector.CreateHandler(Rules(), new PinnedResolver("127.0.0.1"), TimeSpan.FromSeconds(5)));

        var refused = await Refusal(() => client.GetStringAsync(new Uri($"http://other.test:{_port}/hook"), TestContext.Current.CancellationToken));

        Assert.Equal("not_allowlisted", refused.Decision.Reason);
        Assert.Equal(0, _hits);
    }

    [Fact]
    public async Task Send_LoopbackLiteralOutsideAllowance_Refused()
    {
        using var client = new HttpClient(EgressConnector.CreateHandler(new EgressRules(null, []), new PinnedResolver(), TimeSpan.FromSeconds(5)));

        var refused = await Refusal(() => client.GetStringAsync(new Uri($"http://127.0.0.1:{_port}/hook"), TestContext.Current.CancellationToken));

        Assert.Equal("loopback", refused.Decision.Reason);
        Assert.Equal(0, _hits);
    }

    [Fact]
    public async Task Send_IPv6LoopbackLiteral_Refused()
    {
        using var client = new HttpClient(EgressConnector.CreateHandler(new EgressRules(null, []), new PinnedResolver(), TimeSpan.FromSeconds(5)));

        var refused = await Refusal(() => client.GetStringAsync(new Uri($"http://[::1]:{_port}/hook"), TestContext.Current.CancellationToken));

        Assert.Equal("loopback", refused.Decision.Reason);
    }

    [Fact]
    public async Task Send_RebindingResolver_EachConnectionDialsWhatItChecked()
    {
        // First answer inside the allowance, later answers a loopback address outside it: the first connection reaches
        // the receiver; a new connection (no pooling) checks again and is refused, never dialling the second answer.
        var resolver = new PinnedResolver("127.0.0.1", "127.0.0.2");
        using var handler = EgressConnector.CreateHandler(Rules(), resolver, TimeSpan.FromSeconds(5));
        handler.PooledConnectionLifetime = TimeSpan.Zero;
        using var client = new HttpClient(handler);

        Assert.Equal("received", await client.GetStringAsync(new Uri($"http://receiver.test:{_port}/hook"), TestContext.Current.CancellationToken));
        var refused = await Refusal(() => client.GetStringAsync(new Uri($"http://receiver.test:{_port}/hook"), TestContext.Current.CancellationToken));

        Assert.Equal("loopback", refused.Decision.Reason);
        Assert.Equal(1, _hits);
    }

    [Fact]
    public async Task Send_Redirect_NotFollowed()
    {
        using var client = new HttpClient(EgressConnector.CreateHandler(Rules(), new PinnedResolver("127.0.0.1"), TimeSpan.FromSeconds(5)));

        using var response = await client.GetAsync(new Uri($"http://receiver.test:{_port}/redirect"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(0, _hits);
    }

    private static async Task<EgressRefusedException> Refusal(Func<Task> send)
    {
        var failure = await Assert.ThrowsAsync<HttpRequestException>(send);
        var refused = EgressRefusedException.Find(failure);
        Assert.NotNull(refused);
        return refused;
    }

    /// <summary>Answers every name with the next address in order, repeating the last.</summary>
    private sealed class PinnedResolver(params string[] answers) : IEgressResolver
    {
        private int _asked;

        public ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            if (answers.Length == 0)
            {
                return ValueTask.FromResult<IReadOnlyList<IPAddress>>([]);
            }

            var index = Math.Min(Interlocked.Increment(ref _asked) - 1, answers.Length - 1);
            return ValueTask.FromResult<IReadOnlyList<IPAddress>>([IPAddress.Parse(answers[index])]);
        }
    }
}
