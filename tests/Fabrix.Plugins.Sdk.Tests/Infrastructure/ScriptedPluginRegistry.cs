using System.Collections.Concurrent;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Fabrix.Plugins.Sdk.Tests.Infrastructure;

/// <summary>One call the plugin made to the registry double.</summary>
public sealed record RegistryCall(string Method, DateTimeOffset At, string? Authorization, RegisterRequest? Register, HeartbeatRequest? Heartbeat);

/// <summary>
/// A scriptable test double of the registry's plugin API, served over real gRPC by <see cref="TestRegistryServer"/>.
/// The real registry is covered by the registry's own integration tests and the end-to-end tests; this double lets
/// the SDK tests choose each answer and control time. Tokens are opaque strings <c>token-N</c>; expiries use the
/// same <see cref="TimeProvider"/> as the plugin under test.
/// </summary>
public sealed class ScriptedPluginRegistry(TimeProvider timeProvider) : PluginRegistry.PluginRegistryBase
{
    private readonly ConcurrentQueue<RegistryCall> _calls = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _issued = new(StringComparer.Ordinal);
    private int _tokenCounter;
    private int _registerAttempts;

    /// <summary>Plugin id the tokens are issued for.</summary>
    public string PluginId { get; set; } = "sdk-test-plugin";

    /// <summary>Lifetime of issued tokens.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Given the 1-based attempt number, the error Register fails with, or null to issue a token.</summary>
    public Func<int, RpcException?> RegisterFailure { get; set; } = _ => null;

    /// <summary>The error RenewToken fails with, or null to renew.</summary>
    public Func<RpcException?> RenewFailure { get; set; } = () => null;

    /// <summary>Status reported by Register, RenewToken and Heartbeat.</summary>
    public PluginStatus Status { get; set; } = PluginStatus.Registered;

    public IReadOnlyList<RegistryCall> Calls => [.. _calls];

    public IReadOnlyList<RegistryCall> CallsTo(string method) => [.. _calls.Where(c => c.Method == method)];

    public override Task<TokenResponse> Register(RegisterRequest request, ServerCallContext context)
    {
        Record(nameof(Register), context, request, null);
        var attempt = Interlocked.Increment(ref _registerAttempts);
        if (RegisterFailure(attempt) is { } failure)
        {
            throw failure;
        }

        return Task.FromResult(Issue());
    }

    public override Task<TokenResponse> RenewToken(RenewTokenRequest request, ServerCallContext context)
    {
        var authorization = Record(nameof(RenewToken), context, null, null);
        if (RenewFailure() is { } failure)
        {
            throw failure;
        }

        Authenticate(authorization);
        return Task.FromResult(Issue());
    }

    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        var authorization = Record(nameof(Heartbeat), context, null, request);
        Authenticate(authorization);
        return Task.FromResult(new HeartbeatResponse { Status = Status, ReceivedAt = Timestamp.FromDateTimeOffset(timeProvider.GetUtcNow()) });
    }

    private void Authenticate(string? authorization)
    {
        var token = authorization is not null && authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization[7..] : null;
        if (token is null || !_issued.TryGetValue(token, out var expiresAt) || expiresAt <= timeProvider.GetUtcNow())
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Unknown or expired plugin token."));
        }
    }

    private TokenResponse Issue()
    {
        var token = $"token-{Interlocked.Increment(ref _tokenCounter)}";
        var expiresAt = timeProvider.GetUtcNow() + TokenLifetime;
        _issued[token] = expiresAt;
        return new TokenResponse
        {
            PluginId = PluginId,
            Token = token,
            KeyId = "test-key",
            ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt),
            Status = Status,
        };
    }

    private string? Record(string method, ServerCallContext context, RegisterRequest? register, HeartbeatRequest? heartbeat)
    {
        var authorization = context.RequestHeaders.GetValue("authorization");
        _calls.Enqueue(new RegistryCall(method, timeProvider.GetUtcNow(), authorization, register, heartbeat));
        return authorization;
    }
}
