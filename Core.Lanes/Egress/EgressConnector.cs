using System.Net;
using System.Net.Sockets;

namespace Fabrix.Core.Lanes.Egress;

/// <summary>
/// An outbound connection was refused by the egress decision (a webhook URL or a proxied host that is not allowed).
/// Carries the decision, whose <see cref="EgressDecision.Reason"/> is the code to audit and report.
/// </summary>
public sealed class EgressRefusedException(EgressDecision decision)
    : HttpRequestException($"Egress to '{decision.Host ?? "(malformed)"}:{decision.Port}' refused: {decision.Reason}.")
{
    /// <summary>Why.</summary>
    public EgressDecision Decision { get; } = decision;

    /// <summary>
    /// The refusal inside <paramref name="exception"/>: <see cref="HttpClient"/> wraps what a connect callback throws in
    /// an <see cref="HttpRequestException"/>. Null when the failure was something else (a timeout, a reset, ...).
    /// </summary>
    public static EgressRefusedException? Find(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is EgressRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }
}

/// <summary>
/// Connects <see cref="HttpClient"/>s only where the egress decision allows (issue 12 section 1; issue 11 section 4:
/// webhook URLs "resolved and dialled as checked"). <see cref="CreateHandler"/> returns a handler whose
/// <see cref="SocketsHttpHandler.ConnectCallback"/> decides for every new connection, resolving the host once, and
/// then dials exactly the address it checked: the name is never resolved again by the socket, so an answer that
/// changes between check and connect (DNS rebinding) cannot reach a non-public address. No proxy, no redirects (a
/// redirect is a new target, for the caller to decide), no cookies, no automatic decompression.
/// </summary>
public static class EgressConnector
{
    /// <summary>A handler that connects only where <paramref name="rules"/> allow. The caller owns and disposes it.</summary>
    public static SocketsHttpHandler CreateHandler(EgressRules rules, IEgressResolver resolver, TimeSpan connectTimeout)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(resolver);
        return new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = connectTimeout,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, rules, resolver, cancellationToken),
        };
    }

    /// <summary>Decides for <paramref name="endPoint"/> and connects to the checked address, or throws <see cref="EgressRefusedException"/>.</summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, EgressRules rules, IEgressResolver resolver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var host = endPoint.Host.Contains(':', StringComparison.Ordinal) && !endPoint.Host.StartsWith('[') ? $"[{endPoint.Host}]" : endPoint.Host;
        var decision = await EgressDecider.DecideAsync(new EgressTarget(host, endPoint.Port), rules, resolver, cancellationToken);
        if (!decision.Allowed || decision.DialAddress is null)
        {
            throw new EgressRefusedException(decision);
        }

        var socket = new Socket(decision.DialAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(decision.DialAddress, endPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
