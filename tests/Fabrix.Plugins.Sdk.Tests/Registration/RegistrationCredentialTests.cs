using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Plugins.Sdk.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Plugins.Sdk.Tests.Registration;

/// <summary>Issue 7 section 1: the SDK sends the registration credential from configuration or a mounted file, and never logs it.</summary>
public sealed class RegistrationCredentialTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_CredentialConfigured_SendsItAndNoLogLineContainsIt()
    {
        var registry = new ScriptedPluginRegistry(_time);
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings(server.Address));

        await plugin.Plugin.WaitForRegistrationAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);

        Assert.Equal(PluginUnderTest.Credential, Assert.Single(registry.CallsTo("Register")).Register!.RegistrationCredential);
        AssertNotLogged(plugin, PluginUnderTest.Credential);
    }

    [Fact]
    public async Task Register_CredentialFile_SendsItsTrimmedContent()
    {
        var folder = Directory.CreateTempSubdirectory("fabrix-sdk-credential-").FullName;
        var file = Path.Combine(folder, "registration-credential");
        await File.WriteAllTextAsync(file, $"  {PluginUnderTest.Credential}\n", Ct);
        var registry = new ScriptedPluginRegistry(_time);
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        var settings = PluginUnderTest.DefaultSettings(server.Address);
        settings.Remove("Fabrix:Plugin:RegistrationCredential");
        settings["Fabrix:Plugin:RegistrationCredentialFile"] = file;
        try
        {
            await using var plugin = await PluginUnderTest.StartAsync(_time, settings);

            await plugin.Plugin.WaitForRegistrationAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);

            Assert.Equal(PluginUnderTest.Credential, Assert.Single(registry.CallsTo("Register")).Register!.RegistrationCredential);
            AssertNotLogged(plugin, PluginUnderTest.Credential);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Register_CredentialRefused_IsRefusedWithRotateAdviceAndTheCredentialIsNotLogged()
    {
        var registry = new ScriptedPluginRegistry(_time)
        {
            RegisterFailure = _ => new RpcException(new Status(StatusCode.Unauthenticated, "The registration credential is wrong for plugin 'sdk-test-plugin'.")),
        };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings(server.Address));

        await Eventually.WaitAsync(() => plugin.Plugin.Registration.State == PluginRegistrationState.Refused, "the refusal", TestContext.Current.CancellationToken);

        Assert.Contains("fabrix plugins credential rotate sdk-test-plugin", plugin.Plugin.Registration.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(PluginUnderTest.Credential, plugin.Plugin.Registration.Reason, StringComparison.Ordinal);
        AssertNotLogged(plugin, PluginUnderTest.Credential);
    }

    [Fact]
    public async Task Start_NoCredential_FailsNamingBothKeys()
    {
        var settings = PluginUnderTest.DefaultSettings("http://127.0.0.1:9");
        settings.Remove("Fabrix:Plugin:RegistrationCredential");
        await using var plugin = PluginUnderTest.Create(new FakeTimeProvider(), settings);

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(plugin.StartAsync);

        Assert.Contains(exception.Failures, f => f.Contains("Fabrix:Plugin:RegistrationCredential", StringComparison.Ordinal)
            && f.Contains("Fabrix:Plugin:RegistrationCredentialFile", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_CredentialFileMissing_FailsNamingThePath()
    {
        var settings = PluginUnderTest.DefaultSettings("http://127.0.0.1:9");
        settings.Remove("Fabrix:Plugin:RegistrationCredential");
        settings["Fabrix:Plugin:RegistrationCredentialFile"] = "/nonexistent/fabrix-credential";
        await using var plugin = PluginUnderTest.Create(new FakeTimeProvider(), settings);

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(plugin.StartAsync);

        Assert.Contains(exception.Failures, f => f.Contains("'/nonexistent/fabrix-credential', which does not exist", StringComparison.Ordinal));
    }

    private static void AssertNotLogged(PluginUnderTest plugin, string credential)
    {
        var secret = credential[(credential.LastIndexOf('_') + 1)..];
        Assert.NotEmpty(plugin.Logs.Entries);
        Assert.DoesNotContain(plugin.Logs.Entries, e => e.Message.Contains(secret, StringComparison.Ordinal));
    }
}
