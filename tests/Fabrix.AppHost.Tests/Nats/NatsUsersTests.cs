using System.Text.RegularExpressions;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Nats;
using Fabrix.AppHost.Tests.Support;

namespace Fabrix.AppHost.Tests.Nats;

/// <summary>
/// NATS keeps the authentication of the hardening issue: one user per service that references it, the AppHost's own
/// operator user, and no anonymous access (users follow the references, applied when the model is complete).
/// </summary>
public sealed partial class NatsUsersTests
{
    [Fact]
    public void ApplyUsers_Platform_AreTheAppHostAndTheCoreServicesOnly()
    {
        using var platform = new PlatformModel();
        var nats = platform.Resource<FabrixNatsResource>("nats");

        var users = NatsBuilderExtensions.ApplyUsers(nats, platform.Model);

        Assert.Equal(["apphost", "events", "gateway", "proxy", "registry"], users);
    }

    [Fact]
    public void ApplyUsers_Platform_WritesAnAuthorizationBlockWithExactlyThoseUsersAndNoAnonymousOne()
    {
        using var platform = new PlatformModel();
        var nats = platform.Resource<FabrixNatsResource>("nats");

        NatsBuilderExtensions.ApplyUsers(nats, platform.Model);

        var config = File.ReadAllText(nats.ConfigFile);
        Assert.Contains("authorization {", config, StringComparison.Ordinal);
        var users = UserEntry().Matches(config).Select(m => (User: m.Groups["user"].Value, Password: m.Groups["password"].Value)).ToList();
        Assert.Equal(
            [
                ("apphost", File.ReadAllText(nats.UserPasswordFile("apphost")).Trim()),
                ("events", File.ReadAllText(nats.UserPasswordFile("events")).Trim()),
                ("gateway", File.ReadAllText(nats.UserPasswordFile("gateway")).Trim()),
                ("proxy", File.ReadAllText(nats.UserPasswordFile("proxy")).Trim()),
                ("registry", File.ReadAllText(nats.UserPasswordFile("registry")).Trim()),
            ],
            users);
        Assert.DoesNotContain("no_auth_user", config, StringComparison.Ordinal);
        Assert.All(users, u => Assert.Matches("^[0-9a-f]{32}$", u.Password));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(nats.ConfigFile));
    }

    [Fact]
    public void ApplyUsers_PortOffset_ListensOnTheShiftedPortsOfLoopbackOnly()
    {
        using var platform = new PlatformModel(portOffset: 7);
        var nats = platform.Resource<FabrixNatsResource>("nats");

        NatsBuilderExtensions.ApplyUsers(nats, platform.Model);

        var config = File.ReadAllText(nats.ConfigFile);
        Assert.Contains("listen: \"127.0.0.1:4229\"\n", config, StringComparison.Ordinal);
        Assert.Contains("http: \"127.0.0.1:8229\"\n", config, StringComparison.Ordinal);
        Assert.Contains($"jetstream {{ store_dir: \"{nats.RootDirectory}\" }}", config, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyUsers_Registry_ConnectsAsItsOwnUser()
    {
        using var platform = new PlatformModel(portOffset: 7);
        var nats = platform.Resource<FabrixNatsResource>("nats");
        var before = await platform.EnvironmentAsync("registry");

        NatsBuilderExtensions.ApplyUsers(nats, platform.Model);

        var after = await platform.EnvironmentAsync("registry");
        var password = File.ReadAllText(nats.UserPasswordFile("registry")).Trim();
        Assert.StartsWith("nats://apphost:", before["ConnectionStrings__nats"], StringComparison.Ordinal);
        Assert.Equal($"nats://registry:{password}@127.0.0.1:4229", after["ConnectionStrings__nats"]);
    }

    [Fact]
    public async Task ApplyUsers_ReferenceUnderAnotherConnectionName_CarriesTheServicesOwnUserThereToo()
    {
        using var platform = new PlatformModel(portOffset: 7);
        var nats = platform.Builder.CreateResourceBuilder(platform.Resource<FabrixNatsResource>("nats"));
        platform.Builder.AddFabrixProject<Projects.Fabrix_Plugins_Samples_UserManagement>("bus-user")
            .WithFabrixHttpEndpoint(platform.Layout.Port(5400)).WithReference(nats, "bus");

        var users = NatsBuilderExtensions.ApplyUsers(nats.Resource, platform.Model);

        var environment = await platform.EnvironmentAsync("bus-user");
        var password = File.ReadAllText(nats.Resource.UserPasswordFile("bus-user")).Trim();
        Assert.Contains("bus-user", users);
        Assert.Equal($"nats://bus-user:{password}@127.0.0.1:4229", environment["ConnectionStrings__bus"]);
    }

    [Fact]
    public void ApplyUsers_SecondStart_KeepsEveryPassword()
    {
        using var platform = new PlatformModel();
        var nats = platform.Resource<FabrixNatsResource>("nats");
        NatsBuilderExtensions.ApplyUsers(nats, platform.Model);
        var first = File.ReadAllText(nats.ConfigFile);

        NatsBuilderExtensions.ApplyUsers(nats, platform.Model);

        Assert.Equal(first, File.ReadAllText(nats.ConfigFile));
    }

    [Fact]
    public void ApplyUsers_Platform_OnlyTheRegistryMayPublishOnTheControlSubjects()
    {
        using var platform = new PlatformModel();
        var nats = platform.Resource<FabrixNatsResource>("nats");

        NatsBuilderExtensions.ApplyUsers(nats, platform.Model);

        var entries = UserEntry().Matches(File.ReadAllText(nats.ConfigFile)).ToDictionary(m => m.Groups["user"].Value, m => m.Groups["permissions"].Value);
        Assert.Equal(string.Empty, entries["registry"]);
        Assert.All(entries.Where(e => e.Key != "registry"),
            e => Assert.Equal(", permissions: { publish: { deny: [\"fabrix.control.>\"] } }", e.Value));
    }

    [GeneratedRegex("""\{ user: "(?<user>[^"]*)", password: "(?<password>[^"]*)"(?<permissions>, permissions: \{ publish: \{ deny: \[[^\]]*\] \} \})? \}""")]
    private static partial Regex UserEntry();
}
