using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Identity;
using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Plugins.Sdk.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Plugins.Sdk.Tests.CallerContexts;

/// <summary>
/// <c>UseFabrixCallerContext()</c> (issue 10 section 3): only a request with a valid caller context for this plugin
/// reaches a handler, which sees the verified caller; the health endpoint stays open; keys come from the registry's
/// key set, refetched on an unknown key id at most every refresh interval.
/// </summary>
public sealed class CallerContextMiddlewareTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private CallerContextIssuer _gateway = null!;
    private ScriptedCallerKeysServer _keys = null!;
    private PluginUnderTest _plugin = null!;
    private HttpClient _http = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _gateway = new CallerContextIssuer(_time);
        _keys = await ScriptedCallerKeysServer.StartAsync(_gateway.KeySet(), Ct);
        var settings = PluginUnderTest.DefaultSettings($"http://127.0.0.1:{FreePort.Next()}");
        foreach (var (key, value) in _keys.PluginConfiguration())
        {
            settings[key] = value;
        }

        _plugin = await PluginUnderTest.StartAsync(_time, settings, configure: builder => builder.AddFabrixCallerContext(), map: app =>
        {
            app.UseFabrixCallerContext();
            app.MapFabrixPlugin();
            app.MapGet("/alive", () => "alive");
            app.MapGet("/api/whoami", (HttpContext context, IFabrixCallerAccessor accessor) =>
            {
                var caller = context.GetFabrixCaller();
                return Results.Json(new { caller.PluginId, caller.Traits, caller.CorrelationId, Same = accessor.Caller == caller });
            });
        });
        _http = new HttpClient { BaseAddress = new Uri(_plugin.Address) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _plugin.DisposeAsync();
        await _keys.DisposeAsync();
        _gateway.Dispose();
    }

    [Fact]
    public async Task Request_ValidCallerContext_HandlerSeesTheVerifiedCaller()
    {
        var token = _gateway.Mint("accounting", PluginUnderTest.PluginId, ["handles_pii"], "corr-1");

        using var response = await SendAsync("/api/whoami", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("accounting", body.GetProperty("pluginId").GetString());
        Assert.Equal("handles_pii", body.GetProperty("traits")[0].GetString());
        Assert.Equal("corr-1", body.GetProperty("correlationId").GetString());
        Assert.True(body.GetProperty("same").GetBoolean());
    }

    [Fact]
    public async Task Request_NoAuthorization_401ProblemDetailsWithCode()
    {
        using var response = await SendAsync("/api/whoami", token: null);

        var problem = await AssertRefusedAsync(response);
        Assert.Contains("no Authorization header", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_CallerContextForAnotherPlugin_401()
    {
        using var response = await SendAsync("/api/whoami", _gateway.Mint("accounting", "billing"));

        var problem = await AssertRefusedAsync(response);
        Assert.Contains("another plugin", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_ServiceTokenOfTheGatewaysKey_401()
    {
        using var response = await SendAsync("/api/whoami", ServiceToken.Mint(_gateway.Key, _gateway.ServiceName, _time, TimeSpan.FromMinutes(1)));

        var problem = await AssertRefusedAsync(response);
        Assert.Contains("not a caller context", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_ExpiredAfterItWasAccepted_401()
    {
        var token = _gateway.Mint("accounting", PluginUnderTest.PluginId, lifetime: TimeSpan.FromSeconds(30));
        using (var first = await SendAsync("/api/whoami", token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        _time.Advance(TimeSpan.FromSeconds(30) + CallerContextToken.ClockSkew + TimeSpan.FromSeconds(1));
        using var response = await SendAsync("/api/whoami", token);

        var problem = await AssertRefusedAsync(response);
        Assert.Contains("expired", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_KeyFromAnUnpublishedIssuer_401()
    {
        using var other = new CallerContextIssuer(_time);

        using var response = await SendAsync("/api/whoami", other.Mint("accounting", PluginUnderTest.PluginId));

        await AssertRefusedAsync(response);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task Health_NoCallerContext_StaysOpen(string path)
    {
        using var response = await SendAsync(path, token: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/health/")]
    [InlineData("/HEALTH")]
    [InlineData("/health/../api/whoami")]
    public async Task HealthLookalike_NoCallerContext_401(string path)
    {
        using var response = await SendAsync(path, token: null);

        await AssertRefusedAsync(response);
    }

    [Fact]
    public async Task Request_KeyRotated_RefetchesOnTheUnknownKeyAtMostEveryRefreshInterval()
    {
        using (var first = await SendAsync("/api/whoami", _gateway.Mint("accounting", PluginUnderTest.PluginId)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var rotated = new CallerContextIssuer(_time);
        _keys.KeySet = rotated.KeySet();
        _time.Advance(TimeSpan.FromSeconds(1));
        using (var tooSoon = await SendAsync("/api/whoami", rotated.Mint("accounting", PluginUnderTest.PluginId)))
        {
            await AssertRefusedAsync(tooSoon);
        }

        using (var stillTooSoon = await SendAsync("/api/whoami", rotated.Mint("accounting", PluginUnderTest.PluginId)))
        {
            await AssertRefusedAsync(stillTooSoon);
        }

        Assert.Equal(1, _keys.Fetches);
        _time.Advance(TimeSpan.FromSeconds(5));
        using var response = await SendAsync("/api/whoami", rotated.Mint("accounting", PluginUnderTest.PluginId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _keys.Fetches);
    }

    [Fact]
    public async Task Request_KeysUnavailable_401SayingSo()
    {
        _keys.StatusCode = StatusCodes.Status503ServiceUnavailable;

        using var response = await SendAsync("/api/whoami", _gateway.Mint("accounting", PluginUnderTest.PluginId));

        var problem = await AssertRefusedAsync(response);
        Assert.Contains("could not be fetched", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _http.SendAsync(request, Ct);
    }

    private static async Task<JsonElement> AssertRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(RefusalCodes.CallerContextRequired, problem.GetProperty("code").GetString());
        return problem;
    }
}
