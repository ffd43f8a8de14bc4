using System.Globalization;
using Fabrix.AppHost.Nats;
using Fabrix.AppHost.Plugins;

namespace Fabrix.AppHost.Hosting;

/// <summary>
/// The Proxy lane (issue 12) as the AppHost runs it: Core.Proxy, the local "internet" receiver, and the
/// <c>notifications</c> sample that reaches the receiver only through the proxy.
/// </summary>
/// <remarks>
/// Locally there is no internet to allow, so the receiver stands in for it on <see cref="LocalInternetAddress"/>, a
/// loopback address of its own: the proxy refuses <c>localhost</c> (127.0.0.1, ::1) as ever, and only the receiver's
/// one address is let through, by two test-only settings Core.Proxy accepts in Development only:
/// <c>UnsafeTestOnlyAllowedRange</c> (that address counts as public) and <c>UnsafeTestOnlyHosts</c> (the name in the
/// sample's <c>allowed_domains</c>, <see cref="LocalInternetHost"/>, resolves to it). The AppHost announces both.
/// </remarks>
internal static class ProxyLaneExtensions
{
    /// <summary>The receiver's name: under <c>.test</c> (RFC 6761), which never resolves on the real internet.</summary>
    public const string LocalInternetHost = "receiver.fabrix.test";

    /// <summary>The receiver's "internet" address: loopback, but not 127.0.0.1, so <c>localhost</c> stays refused.</summary>
    public const string LocalInternetAddress = "127.0.0.2";

    /// <summary>
    /// Two more test-only names, for the tests that show a tampered allowlist cannot reach what must stay unreachable:
    /// <c>allowed_domains</c> cannot hold <c>localhost</c> or an address (the manifest validator refuses them, and the
    /// registry validates the pinned manifest again for the snapshot), but <c>*.fabrix.test</c> covers names that
    /// resolve to loopback or to the metadata address, and the proxy must refuse them by their addresses.
    /// </summary>
    public const string LoopbackHost = "loopback.fabrix.test";

    /// <summary>A name that resolves to the cloud metadata address (see <see cref="LoopbackHost"/>).</summary>
    public const string MetadataHost = "metadata.fabrix.test";

    /// <summary>The Kestrel endpoint of the receiver on <see cref="LocalInternetAddress"/>.</summary>
    public const string InternetEndpointVariable = "Kestrel__Endpoints__Internet__Url";

    public static string Announcement(int receiverPort) => string.Create(CultureInfo.InvariantCulture,
        $"TEST-ONLY egress allowance: Core.Proxy treats {LocalInternetAddress}/32 as public and resolves {LocalInternetHost} to {LocalInternetAddress} (the local internet receiver, http://{LocalInternetHost}:{receiverPort}); {LoopbackHost} and {MetadataHost} resolve to 127.0.0.1 and 169.254.169.254 and stay refused. Never set these outside Development.");

    public static IDistributedApplicationBuilder AddFabrixProxyLane(this IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource> registry,
        IResourceBuilder<FabrixNatsResource> nats, FabrixLayout layout)
    {
        var receiverPort = layout.Port(FabrixPorts.Receiver);
        var receiver = builder.AddFabrixProject<Projects.Fabrix_Plugins_Samples_InternetReceiver>("receiver")
            .WithFabrixHttpEndpoint(receiverPort).WithFabrixHealthCheck()
            .WithEnvironment(InternetEndpointVariable, string.Create(CultureInfo.InvariantCulture, $"http://{LocalInternetAddress}:{receiverPort}"));

        var proxy = builder.AddFabrixLane<Projects.Fabrix_Core_Proxy>("proxy", layout.Port(FabrixPorts.Proxy), registry, nats, layout)
            .WithEnvironment("Fabrix__Lanes__Audit__Service", "proxy")
            .WithEnvironment("Fabrix__Proxy__UnsafeTestOnlyAllowedRange", LocalInternetAddress + "/32")
            .WithEnvironment("Fabrix__Proxy__UnsafeTestOnlyHosts__0", $"{LocalInternetHost}={LocalInternetAddress}")
            .WithEnvironment("Fabrix__Proxy__UnsafeTestOnlyHosts__1", $"{LoopbackHost}=127.0.0.1")
            .WithEnvironment("Fabrix__Proxy__UnsafeTestOnlyHosts__2", $"{MetadataHost}=169.254.169.254");
        builder.Eventing.Subscribe<BeforeStartEvent>((_, cancellationToken) => Console.Out.WriteLineAsync(Announcement(receiverPort).AsMemory(), cancellationToken));

        builder.AddFabrixProject<Projects.Fabrix_Plugins_Samples_Notifications>("notifications")
            .WithFabrixHttpEndpoint(layout.Port(FabrixPorts.Notifications)).WithFabrixHealthCheck()
            .WithReference(registry).WithReference(proxy).WaitFor(registry).WaitFor(proxy).WaitFor(receiver)
            .WithDevelopmentAdminKey(layout, publicHalfOnly: true)
            .WithEnvironment("Notifications__ReceiverUrl", string.Create(CultureInfo.InvariantCulture, $"http://{LocalInternetHost}:{receiverPort}/notify"))
            .WithPluginInstallation("Plugins.Samples/Notifications/manifest.json", registry, layout);
        return builder;
    }
}
