using System.Net;
using System.Net.Sockets;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Postgres;
using Fabrix.Contracts.Identity;

namespace Fabrix.AppHost.Orchestration;

/// <summary>
/// Everything that can be checked before anything starts (Aspire's <see cref="BeforeStartEvent"/>): the machine binaries
/// are there, every fixed port is free, each PostgreSQL cluster is ready to run (its folder reachable by user postgres,
/// initdb done), and the development administrator key exists (with its public half for plugins). A failure is one line
/// with the fix (<see cref="AppHostException"/>), and nothing has started.
/// </summary>
internal static class Preflight
{
    public static async Task RunAsync(BeforeStartEvent e, FabrixLayout layout, IReadOnlyList<(string Name, int Port)> extraPorts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Services.GetService(typeof(DistributedApplicationExecutionContext)) is DistributedApplicationExecutionContext { IsRunMode: false })
        {
            return;
        }

        CheckTools(e.Model);
        CheckPorts(PortsOf(e.Model).Concat(extraPorts));
        foreach (var postgres in e.Model.Resources.OfType<FabrixPostgresResource>())
        {
            // Again before every start of the resource (a restart); here once more so a folder user postgres cannot
            // enter stops the AppHost with the fix instead of leaving the server failed and everyone waiting for it.
            await PostgresCluster.PrepareAsync(postgres, cancellationToken);
        }

        Directory.CreateDirectory(layout.LogsDirectory);
        DevelopmentAdminToken.WritePublicKeyFile(DevelopmentAdminToken.EnsureKeyFile(layout.DevAdminKeyFile), layout.DevAdminPublicKeyFile);
    }

    public static IEnumerable<(string Name, int Port)> PortsOf(DistributedApplicationModel model) =>
        model.Resources.SelectMany(r => r.Annotations.OfType<EndpointAnnotation>()
            .Where(a => a.Port is not null)
            .Select(a => ($"{r.Name}.{a.Name}", a.Port!.Value)));

    /// <summary>Binding each port on 127.0.0.1 is the test: whatever holds it (any process, any user) makes the bind fail.</summary>
    public static void CheckPorts(IEnumerable<(string Name, int Port)> ports)
    {
        foreach (var (name, port) in ports)
        {
            try
            {
                using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new AppHostException($"port {port} ({name}) is in use: stop what listens there (`ss -ltnp 'sport = :{port}'` shows it), or run beside it with --port-offset N and --data DIR");
            }
        }
    }

    private static void CheckTools(DistributedApplicationModel model)
    {
        foreach (var resource in model.Resources)
        {
            switch (resource)
            {
                case FabrixPostgresResource postgres:
                    MachineTools.RequirePostgresBin(postgres.DataDirectory);
                    MachineTools.Require("setpriv");
                    break;
                case ExecutableResource executable when !Path.IsPathRooted(executable.Command):
                    MachineTools.Require(executable.Command);
                    break;
            }
        }
    }
}
