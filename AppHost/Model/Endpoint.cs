using System.Globalization;

namespace Fabrix.AppHost.Model;

/// <summary>Wire protocol an endpoint speaks; decides the Kestrel <c>Protocols</c> setting of a project.</summary>
internal enum EndpointProtocol
{
    Tcp,
    Http1,
    Http2,
}

/// <summary>
/// A loopback port a resource listens on. <see cref="Port"/> is final: the declared default plus the port offset,
/// or an explicit <c>--port</c> override.
/// </summary>
internal sealed record Endpoint(string Resource, string Name, string Scheme, EndpointProtocol Protocol, int Port)
{
    /// <summary>Every resource listens on loopback only: nothing the AppHost starts is reachable from the network.</summary>
    public const string Host = "127.0.0.1";

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:5100</c>.</summary>
    public string Url => string.Create(CultureInfo.InvariantCulture, $"{Scheme}://{Host}:{Port}");

    /// <summary>How messages name the endpoint: <c>registry http</c>.</summary>
    public string DisplayName => $"{Resource} {Name}";
}
