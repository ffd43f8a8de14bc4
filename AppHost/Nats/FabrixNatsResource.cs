namespace Fabrix.AppHost.Nats;

/// <summary>
/// nats-server with JetStream (store under <c>DATA/NAME/</c>) and authentication, run as an executable (no container
/// engine here; Aspire.Hosting.Nats is not served). Every resource that references it gets a user of its own, named
/// after it, with a generated password (<c>DATA/NAME/users/USER.password</c>, 0600), and its
/// <c>ConnectionStrings__NAME</c> carries that user; <see cref="OperatorUser"/> is the AppHost's own (this resource's
/// connection string). No user is anonymous. Plugins never reference NATS.
/// </summary>
public sealed class FabrixNatsResource(string name, string rootDirectory, ParameterResource operatorPassword)
    : ExecutableResource(name, "nats-server", rootDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";
    public const string MonitoringEndpointName = "monitoring";

    /// <summary>The AppHost's and operator tools' user (e.g. the <c>nats</c> CLI).</summary>
    public const string OperatorUser = "apphost";

    public string RootDirectory { get; } = rootDirectory;

    public string ConfigFile => Path.Combine(RootDirectory, "nats.conf");

    public string UserPasswordFile(string user) => Path.Combine(RootDirectory, "users", user + ".password");

    public ParameterResource OperatorPassword { get; } = operatorPassword;

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"nats://{OperatorUser}:{OperatorPassword}@127.0.0.1:{PrimaryEndpoint.Property(EndpointProperty.Port)}");

    internal int Port(string endpointName) => ((IResource)this).Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == endpointName).Port
        ?? throw new InvalidOperationException($"{Name} has no fixed port for {endpointName}.");
}
