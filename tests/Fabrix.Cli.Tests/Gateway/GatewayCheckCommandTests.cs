using System.Text.Json;

namespace Fabrix.Cli.Tests.Gateway;

public sealed class GatewayCheckCommandTests : IDisposable
{
    /// <summary>issue 10's sample caller: depends on user-management.</summary>
    private const string Accounting = """
        {
          "id": "accounting", "name": "Accounting", "version": "1.0.0", "contracts": ["ProcessingPlugin"], "traits": ["audit_required"],
          "dependencies": ["user-management"],
          "endpoints": { "health": "/health" },
          "security": { "authentication_required": true, "data_classification": ["internal"] },
          "compliance": { "audit_level": "basic" }
        }
        """;

    /// <summary>A target with method-restricted, template and gRPC endpoints.</summary>
    private const string Users = """
        {
          "id": "user-management", "name": "User Management", "version": "1.1.0", "contracts": ["IdentityPlugin"], "traits": ["audit_required"],
          "endpoints": {
            "health": "/health",
            "user_info": "GET /api/users/{id}",
            "create_user": "POST /api/users",
            "get_user": "POST /fabrix.samples.users.v1.UserDirectory/GetUser"
          },
          "security": { "authentication_required": true, "data_classification": ["internal"] },
          "compliance": { "audit_level": "basic" }
        }
        """;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Check_DeclaredRequestAsJson_PrintsAllowedWithForwardedPath()
    {
        var (caller, target) = WriteBoth();

        var result = await Cli().RunAsync("gateway", "check", "--caller", caller, "--target", target, "--json", "GET /user-management/api/users/42?x=1");

        Assert.Equal(0, result.ExitCode);
        var report = Assert.Single(Parse(result.Output).EnumerateArray().ToList());
        Assert.Equal("GET /user-management/api/users/42?x=1", report.GetProperty("request").GetString());
        Assert.True(report.GetProperty("allowed").GetBoolean());
        Assert.Equal("/api/users/42", report.GetProperty("normalized_path").GetString());
        Assert.Equal("user_info", report.GetProperty("endpoint").GetString());
        Assert.Equal("ALLOWED", report.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Check_SeveralRequests_AnswersEachInOrderAndExitsOneWhenAnyIsRefused()
    {
        var (caller, target) = WriteBoth();

        var result = await Cli().RunAsync(
            "gateway", "check", "--caller", caller, "--target", target, "--json",
            "GET /user-management/api/users/42",
            "POST /user-management/api/users/42",
            "GET /user-management/admin",
            "GET /user-management/api/users/%2e%2e/admin",
            "GET /User-Management/api/users/42",
            "POST /user-management/fabrix.samples.users.v1.UserDirectory/GetUser",
            "GET /user-management/api/users/42/");

        Assert.Equal(1, result.ExitCode);
        var reports = Parse(result.Output).EnumerateArray().ToList();
        Assert.Equal(
            ["ALLOWED", "ENDPOINT_METHOD_NOT_ALLOWED", "ENDPOINT_NOT_DECLARED", "PATH_DOT_SEGMENT", "TARGET_NOT_INSTALLED", "ALLOWED", "PATH_EMPTY_SEGMENT"],
            reports.Select(r => r.GetProperty("reason").GetString()));
        Assert.All(reports.Where(r => !r.GetProperty("allowed").GetBoolean()), r =>
        {
            Assert.Equal(JsonValueKind.Null, r.GetProperty("normalized_path").ValueKind);
            Assert.Equal(JsonValueKind.Null, r.GetProperty("endpoint").ValueKind);
        });
    }

    [Fact]
    public async Task Check_TargetNotADependency_RefusesWithoutGrants()
    {
        var caller = _directory.Write("users.json", Users);
        var target = _directory.Write("accounting.json", Accounting);

        var result = await Cli().RunAsync("gateway", "check", "--caller", caller, "--target", target, "--json", "GET /accounting/health");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("NOT_A_DEPENDENCY", Assert.Single(Parse(result.Output).EnumerateArray().ToList()).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Check_PluginNotGiven_RefusesTargetNotInstalled()
    {
        var (caller, _) = WriteBoth();

        var result = await Cli().RunAsync("gateway", "check", "--caller", caller, "--target", caller, "--json", "GET /user-management/api/users/42");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("TARGET_NOT_INSTALLED", Assert.Single(Parse(result.Output).EnumerateArray().ToList()).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Check_ContractRoute_ResolvesTheOnlyProvider()
    {
        var (caller, target) = WriteBoth();

        var result = await Cli().RunAsync("gateway", "check", "--caller", caller, "--target", target, "--json", "GET /contracts/IdentityPlugin/api/users/7");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("/api/users/7", Assert.Single(Parse(result.Output).EnumerateArray().ToList()).GetProperty("normalized_path").GetString());
    }

    [Fact]
    public async Task Check_WithoutJson_PrintsATable()
    {
        var (caller, target) = WriteBoth();

        var result = await Cli().RunAsync("gateway", "check", "--caller", caller, "--target", target, "GET /user-management/api/users/42", "GET /user-management/admin");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Caller accounting", result.Output, StringComparison.Ordinal);
        Assert.Contains("GET /user-management/api/users/42", result.Output, StringComparison.Ordinal);
        Assert.Contains("allowed", result.Output, StringComparison.Ordinal);
        Assert.Contains("ENDPOINT_NOT_DECLARED", result.Output, StringComparison.Ordinal);
        Assert.Contains("/api/users/42", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_RequestWithoutMethod_IsAUsageError()
    {
        var (caller, target) = WriteBoth();

        var result = await Cli().RunAsync("gateway", "check", "--caller", caller, "--target", target, "/user-management/api/users/42");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not \"METHOD /target-id/path\"", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);
    }

    [Fact]
    public async Task Check_InvalidManifest_IsAUsageErrorNamingTheFileAndPaths()
    {
        var (caller, _) = WriteBoth();
        var target = _directory.Write("bad.json", Users.Replace("GET /api/users/{id}", "get /api/users/{id}", StringComparison.Ordinal));

        var result = await Cli().RunAsync("gateway", "check", "--caller", caller, "--target", target, "GET /user-management/api/users/42");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--target bad.json: not a valid manifest", result.Error, StringComparison.Ordinal);
        Assert.Contains("$.endpoints.user_info", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MissingFile_IsAUsageError()
    {
        var (caller, _) = WriteBoth();

        var result = await Cli().RunAsync("gateway", "check", "--caller", caller, "--target", "nope.json", "GET /user-management/health");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--target nope.json: cannot read the file: no such file.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_SameIdWithOtherContent_IsAUsageError()
    {
        var (caller, target) = WriteBoth();
        var other = _directory.Write("users-2.json", Users.Replace("1.1.0", "1.2.0", StringComparison.Ordinal));

        var result = await Cli().RunAsync("gateway", "check", "--caller", caller, "--target", target, "--target", other, "GET /user-management/health");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the plugin 'user-management' is also", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--target")]
    [InlineData("--caller")]
    public async Task Check_MissingRequiredOption_IsAUsageError(string missing)
    {
        var (caller, target) = WriteBoth();
        string[] args = missing == "--target"
            ? ["gateway", "check", "--caller", caller, "GET /user-management/health"]
            : ["gateway", "check", "--target", target, "GET /user-management/health"];

        var result = await Cli().RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(missing, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NoRequest_IsAUsageError()
    {
        var (caller, target) = WriteBoth();

        var result = await Cli().RunAsync("gateway", "check", "--caller", caller, "--target", target, "--json");

        Assert.Equal(2, result.ExitCode);
    }

    private (string Caller, string Target) WriteBoth() => (_directory.Write("accounting.json", Accounting), _directory.Write("user-management.json", Users));

    private CliRun Cli() => new(_directory.Path);

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
