using Fabrix.AdminConsole.Authentication;
using Grpc.Core;
using Microsoft.AspNetCore.Components.Authorization;

namespace Fabrix.AdminConsole.Registry;

/// <summary>
/// How every call to the registry is made on behalf of the signed-in administrator, whichever gRPC service it goes to:
/// <c>authorization: Bearer</c> with a token for that administrator (so the registry enforces their roles,
/// ARCHITECTURE.md "Console and CLI → core"), a deadline for unary calls, none for streams, and failures mapped to
/// <see cref="RegistryException"/>. Scoped: in a circuit the administrator comes from the circuit's authentication
/// state; in an HTTP endpoint (the audit export) the endpoint hands the request's user to the same provider.
/// </summary>
internal sealed class RegistryCalls(
    AuthenticationStateProvider authenticationState,
    IAdminAccessTokenSource accessTokens,
    TimeProvider timeProvider)
{
    // Unary calls answer from one transaction in the registry; a call that takes longer is stuck, not busy.
    private static readonly TimeSpan UnaryDeadline = TimeSpan.FromSeconds(30);

    public Task<TResponse> UnaryAsync<TResponse>(Func<CallOptions, Task<TResponse>> call, CancellationToken cancellationToken) =>
        UnaryAsync(call, UnaryDeadline, cancellationToken);

    /// <summary>A unary call with its own deadline, for calls whose work grows with the data (walking the audit chain).</summary>
    public async Task<TResponse> UnaryAsync<TResponse>(
        Func<CallOptions, Task<TResponse>> call, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var options = await OptionsAsync(timeProvider.GetUtcNow().UtcDateTime + deadline, cancellationToken);
        try
        {
            return await call(options);
        }
        catch (RpcException exception)
        {
            throw RegistryException.From(exception);
        }
    }

    /// <summary>Options for a server stream: no deadline, the stream lives as long as its reader wants it.</summary>
    public Task<CallOptions> StreamOptionsAsync(CancellationToken cancellationToken) => OptionsAsync(deadline: null, cancellationToken);

    /// <summary>Reads the next message of a server stream, mapping a failed stream like a failed unary call.</summary>
    public static async Task<bool> MoveNextAsync<T>(IAsyncStreamReader<T> stream, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.MoveNext(cancellationToken);
        }
        catch (RpcException exception)
        {
            throw RegistryException.From(exception);
        }
    }

    private async Task<CallOptions> OptionsAsync(DateTime? deadline, CancellationToken cancellationToken)
    {
        string token;
        try
        {
            var state = await authenticationState.GetAuthenticationStateAsync();
            token = await accessTokens.GetTokenAsync(state.User, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new RegistryException(
                StatusCode.Unauthenticated, $"Could not obtain an access token for the registry: {exception.Message}", [], exception);
        }

        var headers = new Metadata { { "authorization", $"Bearer {token}" } };
        return new CallOptions(headers: headers, deadline: deadline, cancellationToken: cancellationToken);
    }
}
