using Grpc.Net.Client;

namespace Fabrix.Cli.Plugins;

/// <summary>
/// The CLI's gRPC channel to the registry. Its receive limit is lifted on purpose (issue 7 section 3): with gRPC's
/// default of 4 MB, a registry answer over it — once, the reply to a successful install of a 3 MB manifest, which
/// carried the description twice — failed in the client after the registry had done the work, and the CLI reported
/// "The registry failed (ResourceExhausted)" for a success. The registry bounds what it sends (manifest bounds, paged
/// lists); the CLI talks only to the registry its administrator names, so a limit here could only turn a completed
/// call into a reported failure. Every RESOURCE_EXHAUSTED the CLI sees therefore comes from the registry: a refusal.
/// </summary>
internal static class RegistryChannel
{
    public static GrpcChannel ForAddress(Uri address, HttpMessageHandler? handler = null) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = null,
            HttpHandler = handler,
            DisposeHttpClient = handler is null,
        });
}
