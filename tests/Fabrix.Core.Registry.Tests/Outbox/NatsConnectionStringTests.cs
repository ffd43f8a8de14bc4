using Fabrix.Core.Registry.Outbox;
using NATS.Client.Core;

namespace Fabrix.Core.Registry.Tests.Outbox;

/// <summary>Issue 7 section 7: the registry connects to NATS with the user in its connection string, never logging it.</summary>
public sealed class NatsConnectionStringTests
{
    [Fact]
    public void Apply_UserAndPassword_MovesThemToAuthOptionsAndOutOfTheUrl()
    {
        var options = NatsConnectionString.Apply(NatsOpts.Default, "nats://registry:s3cr%40t@127.0.0.1:4222");

        Assert.Equal("nats://127.0.0.1:4222", options.Url);
        Assert.Equal("registry", options.AuthOpts.Username);
        Assert.Equal("s3cr@t", options.AuthOpts.Password);
    }

    [Fact]
    public void Apply_NoCredentials_KeepsTheUrlAndNoAuth()
    {
        var options = NatsConnectionString.Apply(NatsOpts.Default, "nats://127.0.0.1:4222");

        Assert.Equal("nats://127.0.0.1:4222", options.Url);
        Assert.Null(options.AuthOpts.Username);
        Assert.Null(options.AuthOpts.Password);
    }

    [Fact]
    public void Redact_UserAndPassword_LeavesOnlySchemeHostAndPort() =>
        Assert.Equal("nats://127.0.0.1:4222", NatsConnectionString.Redact("nats://registry:secret@127.0.0.1:4222"));
}
