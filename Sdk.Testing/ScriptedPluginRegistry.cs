using System.Collections.Concurrent;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Fabrix.Plugins.Sdk.Testing;

/// <summary>One call the plugin made to the scripted registry.</summary>
/// <param name="Method">The gRPC method: <c>Register</c>, <c>RenewToken</c> or <c>Heartbeat</c>.</param>
/// <param name="At">When it arrived, on the registry's <see cref="TimeProvider"/>.</param>
/// <param name="Authorization">The <c>authorization</c> header as sent; null when there was none.</param>
/// <param name="Register">The request of a <c>Register</c> call; otherwise null.</param>
/// <param name="Heartbeat">The request of a <c>Heartbeat</c> call; otherwise null.</param>
public sealed record RegistryCall(string Method, DateTimeOffset At, string? Authorization, RegisterRequest? Register, HeartbeatRequest? Heartbeat);

/// <summary>
/// A scriptable stand-in for the registry's plugin API (<c>fabrix.registry.v1.PluginRegistry</c>), served over real
/// gRPC by <see cref="ScriptedRegistryServer"/>. A test chooses each answer (a refusal on the third Register, a
/// disabled plugin on renewal, ...) and reads back every call the plugin made. Tokens are opaque strings
/// <c>token-N</c>, accepted by RenewToken and Heartbeat until they expire; expiries use the <see cref="TimeProvider"/>
/// given here, which should be the plugin's own (a <c>FakeTimeProvider</c> in tests that control time).
/// </summary>
/// <param name="timeProvider">The clock for token expiries and <see cref="RegistryCall.At"/>.</param>
public sealed class ScriptedPluginRegistry(TimeProvider timeProvider) : PluginRegistry.PluginRegistryBase
{
    private readonly ConcurrentQueue<RegistryCall> _calls = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _issued = new(StringComparer.Ordinal);
    private int _tokenCounter;
    private int _registerAttempts;

    /// <summary>Plugin id the tokens are issued for (default <c>sdk-test-plugin</c>).</summary>
    public string PluginId { get; set; } = "sdk-test-plugin";

    /// <summary>Lifetime of issued tokens (default 15 minutes).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Given the 1-based attempt number, the error Register fails with, or null to issue a token. The registry refuses
    /// with PERMISSION_DENIED (not installed), INVALID_ARGUMENT, FAILED_PRECONDITION or UNAUTHENTICATED; anything else
    /// stands for an outage.
    /// </summary>
    public Func<int, RpcException?> RegisterFailure { get; set; } = _ => null;

    /// <summary>The error RenewToken fails with, or null to renew.</summary>
    public Func<RpcException?> RenewFailure { get; set; } = () => null;

    /// <summary>Lifecycle status reported by Register, RenewToken and Heartbeat (default <see cref="PluginStatus.Registered"/>).</summary>
    public PluginStatus Status { get; set; } = PluginStatus.Registered;

    /// <summary>
    /// The push secret Register and RenewToken answer with (a plugin whose manifest declares push delivery); none when
    /// null. Change it to stand for an administrator's rotation: the plugin gets the new one at its next renewal.
    /// </summary>
    public string? PushSecret { get; set; }

    /// <summary>Every call so far, in arrival order.</summary>
    public IReadOnlyList<RegistryCall> Calls => [.. _calls];

    /// <summary>The calls so far to <paramref name="method"/> (<c>Register</c>, <c>RenewToken</c>, <c>Heartbeat</c>).</summary>
    /// <param name="method">The gRPC method name.</param>
    /// <returns>The matching calls, in arrival order.</returns>
    public IReadOnlyList<RegistryCall> CallsTo(string method) => [.. _calls.Where(c => c.Method == method)];

    /// <summary>Records the call, then fails as <see cref="RegisterFailure"/> says or issues a token.</summary>
    /// <inheritdoc/>
    public override Task<TokenResponse> Register(RegisterRequest request, ServerCallContext context)
    {
        Record(nameof(Register), context, request, null);
        var attempt = Interlocked.Increment(ref _registerAttempts);
        if (RegisterFailure(attempt) is { } failure)
        {
            throw failure;
        }

        var response = Issue();
        response.PushSecret = PushSecret ?? string.Empty;
        return Task.FromResult(response);
    }

    /// <summary>Records the call, then fails as <see cref="RenewFailure"/> says, refuses an unknown or expired token, or issues a new one.</summary>
    /// <inheritdoc/>
    public override Task<TokenResponse> RenewToken(RenewTokenRequest request, ServerCallContext context)
    {
        var authorization = Record(nameof(RenewToken), context, null, null);
        if (RenewFailure() is { } failure)
        {
            throw failure;
        }

        Authenticate(authorization);
        var response = Issue();
        response.PushSecret = PushSecret ?? string.Empty;
        return Task.FromResult(response);
    }

    /// <summary>Records the call, refuses an unknown or expired token, and answers with <see cref="Status"/>.</summary>
    /// <inheritdoc/>
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
