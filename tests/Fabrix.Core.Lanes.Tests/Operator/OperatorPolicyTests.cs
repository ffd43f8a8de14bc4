using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Operator;
using Fabrix.Core.Lanes.Policy;
using static Fabrix.Core.Lanes.Tests.Operator.InMemoryOperatorSource;

namespace Fabrix.Core.Lanes.Tests.Operator;

public sealed class OperatorPolicyTests
{
    private const string GetUserRpc = "/fabrix.samples.users.v1.UserDirectory/GetUser";

    private static readonly Dictionary<string, string> UserEndpoints = new()
    {
        ["user_info"] = "GET /api/users/{id}",
        ["me"] = "GET /api/users/me",
        ["create_user"] = "POST /api/users",
        ["orders"] = "GET,DELETE /api/users/{id}/orders/{order}",
        ["health"] = "/health",
        ["get_user"] = "POST " + GetUserRpc,
    };

    private static PluginPolicy Users(PluginStatus status = PluginStatus.Active, HealthState health = HealthState.Healthy, string[]? traits = null) =>
        Plugin("user-management", UserEndpoints, status: status, health: health, traits: traits);

    private static PluginPolicy Accounting(string[]? dependencies = null, string[]? traits = null, PluginStatus status = PluginStatus.Active) =>
        Plugin("accounting", new Dictionary<string, string> { ["health"] = "/health" }, dependencies ?? ["user-management"], traits, ["ProcessingPlugin"], status);

    private static OperatorDecision Decide(IOperatorPolicySource source, string method, string rawTarget, string caller = "accounting") =>
        OperatorPolicy.Decide(source, OperatorRequest.ForGatewayTarget(caller, method, rawTarget));

    [Fact]
    public void Decide_DeclaredEndpoint_AllowsAndForwardsTheMatchedPath()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = Decide(source, "GET", "/user-management/api/users/42?fields=name&x=%2e%2e");

        Assert.True(decision.Allowed);
        Assert.Equal(OperatorDecision.AllowedCode, decision.Code);
        Assert.Equal(200, decision.StatusCode);
        Assert.Equal("user_info", decision.EndpointName);
        Assert.Equal("user-management", decision.TargetId);
        Assert.Same(source.Find("user-management"), decision.Target);
        Assert.Equal("/api/users/42", decision.ForwardPath);
        Assert.Equal("/api/users/42", decision.ForwardPathSpan.ToString());
        Assert.Equal("?fields=name&x=%2e%2e", decision.QuerySpan.ToString());
    }

    [Fact]
    public void Decide_EncodedSegmentInParameter_ForwardsItByteForByte()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = Decide(source, "GET", "/user-management/api/users/caf%C3%A9%20x");

        Assert.True(decision.Allowed);
        Assert.Equal("/api/users/caf%C3%A9%20x", decision.ForwardPath);
    }

    [Fact]
    public void Decide_TargetIdLookup_UsesTheSpanOverload()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        Decide(source, "GET", "/user-management/api/users/42");

        Assert.Equal(1, source.SpanLookups);
    }

    [Fact]
    public void Decide_LaneOff_RefusesBeforeAnythingElse()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting()) { IsLaneOn = false };

        var decision = Decide(source, "GET", "/user-management/api/users/42");

        Assert.False(decision.Allowed);
        Assert.Equal(RefusalCodes.OperatorLaneOff, decision.Code);
        Assert.Equal(503, decision.StatusCode);
        Assert.Null(decision.ForwardPath);
        Assert.Null(decision.EndpointName);
    }

    [Theory]
    [InlineData("billing")]
    [InlineData("disabled")]
    public void Decide_CallerNotActive_Refuses(string caller)
    {
        var source = new InMemoryOperatorSource(Users(), Plugin("disabled", dependencies: ["user-management"], status: PluginStatus.Disabled));

        var decision = Decide(source, "GET", "/user-management/api/users/42", caller);

        Assert.Equal(RefusalCodes.CallerNotActive, decision.Code);
        Assert.Equal(403, decision.StatusCode);
    }

    [Theory]
    [InlineData("get")]
    [InlineData("Get")]
    [InlineData("TRACE")]
    [InlineData("CONNECT")]
    [InlineData("FOO")]
    [InlineData("")]
    public void Decide_NonStandardMethod_RefusesMethodNotStandard(string method)
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = Decide(source, method, "/user-management/health");

        Assert.Equal(RefusalCodes.MethodNotStandard, decision.Code);
        Assert.Equal(400, decision.StatusCode);
    }

    [Theory]
    [InlineData("/user-management/api/users/../admin", RefusalCodes.PathDotSegment)]
    [InlineData("/user-management/api/users/%2e%2e/admin", RefusalCodes.PathDotSegment)]
    [InlineData("/user-management/api/users/%2E%2e/admin", RefusalCodes.PathDotSegment)]
    [InlineData("/user-management/api/users/.%2E/admin", RefusalCodes.PathDotSegment)]
    [InlineData("/user-management/%2e%2e/accounting/health", RefusalCodes.PathDotSegment)]
    [InlineData("/user-management/api/users/..;/admin", RefusalCodes.PathParameter)]
    [InlineData("/user-management/api/users/42;x=1", RefusalCodes.PathParameter)]
    [InlineData("/user-management/api/users/%2F42", RefusalCodes.PathEncodedSeparator)]
    [InlineData("/user-management/api/users/%5C42", RefusalCodes.PathEncodedSeparator)]
    [InlineData("/user-management/api/users/%252e%252e", RefusalCodes.PathEncodedPercent)]
    [InlineData("/user-management/api/users/%00", RefusalCodes.PathControlCharacter)]
    [InlineData("/user-management/api/users/%c0%ae%c0%ae", RefusalCodes.PathMalformedEncoding)]
    [InlineData("/user-management/api/users/%zz", RefusalCodes.PathMalformedEncoding)]
    [InlineData("/user-management/api/users/42/", RefusalCodes.PathEmptySegment)]
    [InlineData("/user-management//api/users/42", RefusalCodes.PathEmptySegment)]
    [InlineData("//user-management/api/users/42", RefusalCodes.PathEmptySegment)]
    [InlineData("/user-management/api\\users\\42", RefusalCodes.PathBackslash)]
    [InlineData("/user-management/api/users/%EF%BC%8E%EF%BC%8E", RefusalCodes.PathLookalikeCharacter)]
    [InlineData("/user-management/api/users/4 2", RefusalCodes.PathInvalidCharacter)]
    [InlineData("/user-management/api/users/42#frag", RefusalCodes.PathInvalidCharacter)]
    [InlineData("user-management/api/users/42", RefusalCodes.PathInvalidCharacter)]
    public void Decide_RefusedPath_RefusesWithThePathCode(string rawTarget, string code)
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = Decide(source, "GET", rawTarget);

        Assert.Equal(code, decision.Code);
        Assert.Equal(400, decision.StatusCode);
        Assert.Null(decision.ForwardPath);
    }

    [Theory]
    [InlineData("/User-Management/api/users/42")]
    [InlineData("/USER-MANAGEMENT/api/users/42")]
    [InlineData("/user%2Dmanagement/api/users/42")]
    [InlineData("/%75ser-management/api/users/42")]
    [InlineData("/user-management%20/api/users/42")]
    [InlineData("/user--management/api/users/42")]
    [InlineData("/billing/api/users/42")]
    [InlineData("/")]
    [InlineData("/?x=1")]
    public void Decide_TargetNotExactlyInstalled_RefusesTargetNotInstalled(string rawTarget)
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = Decide(source, "GET", rawTarget);

        Assert.Equal(RefusalCodes.TargetNotInstalled, decision.Code);
        Assert.Equal(404, decision.StatusCode);
    }

    [Theory]
    [InlineData("User-Management")]
    [InlineData("user-management ")]
    public void Decide_NamedTargetNotExact_RefusesTargetNotInstalled(string target)
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = OperatorPolicy.Decide(source, OperatorRequest.ForPlugin("accounting", target, "POST", GetUserRpc));

        Assert.Equal(RefusalCodes.TargetNotInstalled, decision.Code);
    }

    [Theory]
    [InlineData(PluginStatus.Disabled)]
    [InlineData(PluginStatus.Registered)]
    [InlineData(PluginStatus.Installed)]
    [InlineData(PluginStatus.Unregistered)]
    public void Decide_TargetNotActive_RefusesTargetNotActive(PluginStatus status)
    {
        var source = new InMemoryOperatorSource(Users(status: status), Accounting());

        var decision = Decide(source, "GET", "/user-management/api/users/42");

        Assert.Equal(RefusalCodes.TargetNotActive, decision.Code);
        Assert.Equal(503, decision.StatusCode);
        Assert.Equal("user-management", decision.TargetId);
    }

    [Fact]
    public void Decide_TargetUnhealthy_RefusesTargetUnhealthy()
    {
        var source = new InMemoryOperatorSource(Users(health: HealthState.Unhealthy), Accounting());

        var decision = Decide(source, "GET", "/user-management/api/users/42");

        Assert.Equal(RefusalCodes.TargetUnhealthy, decision.Code);
        Assert.Equal(503, decision.StatusCode);
    }

    [Theory]
    [InlineData(HealthState.Degraded)]
    [InlineData(HealthState.Unknown)]
    [InlineData(HealthState.Healthy)]
    public void Decide_TargetDegradedOrUnknown_IsStillServed(HealthState health)
    {
        var source = new InMemoryOperatorSource(Users(health: health), Accounting());

        var decision = Decide(source, "GET", "/user-management/api/users/42");

        Assert.True(decision.Allowed);
    }

    [Fact]
    public void Decide_TargetNotADependency_RefusesNotADependency()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting(dependencies: []));

        var decision = Decide(source, "GET", "/user-management/api/users/42");

        Assert.Equal(RefusalCodes.NotADependency, decision.Code);
        Assert.Equal(403, decision.StatusCode);
    }

    [Fact]
    public void Decide_NotADependencyOnUndeclaredPath_RefusesNotADependencyFirst()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting(dependencies: []));

        var decision = Decide(source, "GET", "/user-management/admin/secrets");

        Assert.Equal(RefusalCodes.NotADependency, decision.Code);
    }

    [Fact]
    public void Decide_GrantedWithoutDependency_Allows()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting(dependencies: []));
        source.Grants.Add(("accounting", "user-management"));

        var decision = Decide(source, "GET", "/user-management/api/users/42");

        Assert.True(decision.Allowed);
    }

    [Fact]
    public void Decide_GrantTheOtherWay_DoesNotAllow()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting(dependencies: []));
        source.Grants.Add(("user-management", "accounting"));

        var decision = Decide(source, "GET", "/user-management/api/users/42");

        Assert.Equal(RefusalCodes.NotADependency, decision.Code);
    }

    [Fact]
    public void Decide_PhiTargetFromNonPhiCaller_RefusesPhiTraitRequired()
    {
        var source = new InMemoryOperatorSource(Users(traits: ["handles_phi"]), Accounting(traits: ["handles_pii"]));

        var decision = Decide(source, "GET", "/user-management/api/users/42");

        Assert.Equal(RefusalCodes.PhiTraitRequired, decision.Code);
        Assert.Equal(403, decision.StatusCode);
    }

    [Fact]
    public void Decide_PhiTargetFromPhiCaller_Allows()
    {
        var source = new InMemoryOperatorSource(Users(traits: ["handles_phi"]), Accounting(traits: ["handles_phi"]));

        var decision = Decide(source, "GET", "/user-management/api/users/42");

        Assert.True(decision.Allowed);
    }

    [Fact]
    public void Decide_NonPhiTargetFromPhiCaller_Allows()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting(traits: ["handles_phi"]));

        var decision = Decide(source, "GET", "/user-management/api/users/42");

        Assert.True(decision.Allowed);
    }

    [Theory]
    [InlineData("/user-management/admin")]
    [InlineData("/user-management/api/users/42/extra")]
    [InlineData("/user-management/api/%75sers/42")]
    [InlineData("/user-management/API/users/42")]
    [InlineData("/user-management/api/users/42/orders")]
    [InlineData("/user-management")]
    public void Decide_UndeclaredPath_RefusesEndpointNotDeclared(string rawTarget)
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = Decide(source, "GET", rawTarget);

        Assert.Equal(RefusalCodes.EndpointNotDeclared, decision.Code);
        Assert.Equal(403, decision.StatusCode);
        Assert.Null(decision.EndpointName);
    }

    [Theory]
    [InlineData("POST", "/user-management/api/users/42")]
    [InlineData("GET", "/user-management/api/users")]
    [InlineData("HEAD", "/user-management/api/users/42")]
    [InlineData("PUT", "/user-management/api/users/42/orders/7")]
    public void Decide_DeclaredPathOtherMethod_RefusesEndpointMethodNotAllowed(string method, string rawTarget)
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = Decide(source, method, rawTarget);

        Assert.Equal(RefusalCodes.EndpointMethodNotAllowed, decision.Code);
    }

    [Theory]
    [InlineData("GET", "/user-management/api/users/me", "me")]
    [InlineData("GET", "/user-management/api/users/mee", "user_info")]
    [InlineData("POST", "/user-management/api/users", "create_user")]
    [InlineData("DELETE", "/user-management/api/users/42/orders/7", "orders")]
    [InlineData("GET", "/user-management/health", "health")]
    [InlineData("DELETE", "/user-management/health", "health")]
    [InlineData("OPTIONS", "/user-management/health", "health")]
    public void Decide_MatchingEndpoint_ReportsTheMostSpecific(string method, string rawTarget, string endpoint)
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = Decide(source, method, rawTarget);

        Assert.True(decision.Allowed);
        Assert.Equal(endpoint, decision.EndpointName);
    }

    [Fact]
    public void Decide_RootTemplate_MatchesTheBareTarget()
    {
        var source = new InMemoryOperatorSource(Plugin("home", new Dictionary<string, string> { ["home"] = "GET /" }), Accounting(dependencies: ["home"]));

        var decision = Decide(source, "GET", "/home?tab=1");

        Assert.True(decision.Allowed);
        Assert.Equal("/", decision.ForwardPath);
        Assert.Equal("?tab=1", decision.QuerySpan.ToString());
    }

    [Fact]
    public void Decide_EndpointPinnedBeforeTheStricterSyntax_NeverMatches()
    {
        var legacy = Plugin("legacy", new Dictionary<string, string> { ["old"] = "/api/users/", ["odd"] = "/a//b" });
        var source = new InMemoryOperatorSource(legacy, Accounting(dependencies: ["legacy"]));

        Assert.Equal(RefusalCodes.PathEmptySegment, Decide(source, "GET", "/legacy/api/users/").Code);
        Assert.Equal(RefusalCodes.EndpointNotDeclared, Decide(source, "GET", "/legacy/api/users").Code);
    }

    [Fact]
    public void Decide_GrpcCallNamedByHeader_MatchesTheServicePath()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = OperatorPolicy.Decide(source, OperatorRequest.ForPlugin("accounting", "user-management", "POST", GetUserRpc));

        Assert.True(decision.Allowed);
        Assert.Equal("get_user", decision.EndpointName);
        Assert.Equal(GetUserRpc, decision.ForwardPath);
        Assert.True(decision.QuerySpan.IsEmpty);
    }

    [Fact]
    public void Decide_GrpcOtherMethodOfTheService_RefusesEndpointNotDeclared()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = OperatorPolicy.Decide(source, OperatorRequest.ForPlugin("accounting", "user-management", "POST", "/fabrix.samples.users.v1.UserDirectory/DeleteUser"));

        Assert.Equal(RefusalCodes.EndpointNotDeclared, decision.Code);
    }

    [Fact]
    public void Decide_ContractWithOneProvider_ResolvesIt()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = Decide(source, "GET", "/contracts/IdentityPlugin/api/users/42?x=1");

        Assert.True(decision.Allowed);
        Assert.Equal("user-management", decision.TargetId);
        Assert.Equal("/api/users/42", decision.ForwardPath);
        Assert.Equal("?x=1", decision.QuerySpan.ToString());
    }

    [Fact]
    public void Decide_ContractNamedApart_ResolvesIt()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = OperatorPolicy.Decide(source, OperatorRequest.ForContract("accounting", "IdentityPlugin", "GET", "/api/users/42"));

        Assert.True(decision.Allowed);
        Assert.Equal("user-management", decision.TargetId);
    }

    [Fact]
    public void Decide_ContractWithSeveralProviders_RefusesNamingTheCandidates()
    {
        var source = new InMemoryOperatorSource(Users(), Plugin("ldap-users", UserEndpoints), Plugin("old-users", UserEndpoints, status: PluginStatus.Disabled), Accounting());

        var decision = Decide(source, "GET", "/contracts/IdentityPlugin/api/users/42");

        Assert.Equal(RefusalCodes.ContractAmbiguous, decision.Code);
        Assert.Equal(409, decision.StatusCode);
        Assert.Equal(["ldap-users", "user-management"], decision.Candidates);
    }

    [Fact]
    public void Decide_ContractWithAnAdministratorsChoice_ResolvesTheChoice()
    {
        var source = new InMemoryOperatorSource(Users(), Plugin("ldap-users", UserEndpoints), Accounting(dependencies: ["ldap-users"]));
        source.Preferred["IdentityPlugin"] = "ldap-users";

        var decision = Decide(source, "GET", "/contracts/IdentityPlugin/api/users/42");

        Assert.True(decision.Allowed);
        Assert.Equal("ldap-users", decision.TargetId);
    }

    [Fact]
    public void Decide_ResolvedContractNotADependency_RefusesNotADependency()
    {
        var source = new InMemoryOperatorSource(Users(), Plugin("ldap-users", UserEndpoints), Accounting());
        source.Preferred["IdentityPlugin"] = "ldap-users";

        var decision = Decide(source, "GET", "/contracts/IdentityPlugin/api/users/42");

        Assert.Equal(RefusalCodes.NotADependency, decision.Code);
        Assert.Equal("ldap-users", decision.TargetId);
    }

    [Theory]
    [InlineData("/contracts/StoragePlugin/x")]
    [InlineData("/contracts/identityplugin/api/users/42")]
    [InlineData("/contracts/Nonsense/api/users/42")]
    [InlineData("/contracts")]
    public void Decide_ContractWithoutActiveProvider_RefusesContractNoProvider(string rawTarget)
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());

        var decision = Decide(source, "GET", rawTarget);

        Assert.Equal(RefusalCodes.ContractNoProvider, decision.Code);
        Assert.Equal(404, decision.StatusCode);
    }

    [Fact]
    public void Decide_AllowedCall_AllocatesNothing()
    {
        var source = new InMemoryOperatorSource(Users(), Accounting());
        var request = OperatorRequest.ForGatewayTarget("accounting", "GET", "/user-management/api/users/42?x=1");
        for (var i = 0; i < 100; i++)
        {
            OperatorPolicy.Decide(source, request);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var allowed = 0;
        for (var i = 0; i < 1000; i++)
        {
            allowed += OperatorPolicy.Decide(source, request).Allowed ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1000, allowed);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Decide_SamePolicyEntry_CompilesItsEndpointsOnce()
    {
        var users = Users();
        var source = new InMemoryOperatorSource(users, Accounting());
        Decide(source, "GET", "/user-management/api/users/42");

        var first = OperatorEndpoints.For(users);
        Decide(source, "GET", "/user-management/api/users/43");

        Assert.Same(first, OperatorEndpoints.For(users));
        Assert.NotSame(first, OperatorEndpoints.For(users with { Version = "1.0.1" }));
    }
}
