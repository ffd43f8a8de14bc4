namespace Fabrix.AppHost.Hosting;

/// <summary>The platform's default ports on 127.0.0.1; <c>--port-offset N</c> adds N to every one of them.</summary>
internal static class FabrixPorts
{
    public const int Console = 5000;
    public const int RegistryHttp = 5100;
    public const int RegistryGrpc = 5101;
    public const int UserManagement = 5200;
    public const int UserManagementGrpc = 5201;
    public const int Accounting = 5210;
    public const int Gateway = 5300;
    public const int GatewayH2c = 5301;
    public const int Postgres = 5433;
    public const int Nats = 4222;
    public const int NatsMonitoring = 8222;
    public const int Dashboard = 18888;
    public const int DashboardOtlp = 18889;
    public const int ResourceService = 18890;
    public const int Proxy = 5305;
    public const int Notifications = 5225;
    public const int Receiver = 5405;
    public const int Events = 5310;
    public const int EventsGrpc = 5311;
    public const int Hr = 5215;
}
