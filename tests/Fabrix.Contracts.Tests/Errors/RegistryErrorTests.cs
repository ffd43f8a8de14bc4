using Fabrix.Contracts.Errors;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Contracts.Tests.Errors;

public sealed class RegistryErrorTests
{
    [Fact]
    public void From_RegistryRefusalWithViolations_ReadsStatusMessageCodeAndViolations()
    {
        var status = new Google.Rpc.Status { Code = (int)Code.InvalidArgument, Message = "The manifest is invalid." };
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = "$.traits[0]", Description = "Unknown trait." });
        status.Details.Add(Any.Pack(badRequest));
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = RefusalCodes.InvalidArgument, Domain = RefusalCodes.ErrorDomain }));

        var error = RegistryError.From(status.ToRpcException());

        Assert.Equal(StatusCode.InvalidArgument, error.Status);
        Assert.Equal("The manifest is invalid.", error.Message);
        Assert.Equal(RefusalCodes.InvalidArgument, error.Code);
        Assert.Equal([new RegistryFieldViolation("$.traits[0]", "Unknown trait.")], error.Violations);
        Assert.True(error.IsFromRegistry);
        Assert.True(error.IsAnswer);
        Assert.Null(error.TransportCause);
    }

    [Fact]
    public void From_StatusWithoutDetails_HasNoCodeAndIsNotFromTheRegistry()
    {
        var error = RegistryError.From(new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "Cannot disable a plugin that is installed.")));

        Assert.Equal(string.Empty, error.Code);
        Assert.Empty(error.Violations);
        Assert.False(error.IsFromRegistry);
        Assert.True(error.IsAnswer);
    }

    [Fact]
    public void From_ErrorInfoOfAnotherDomain_IsNotFromTheRegistry()
    {
        var status = new Google.Rpc.Status { Code = (int)Code.Unavailable, Message = "upstream down" };
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = "UPSTREAM", Domain = "proxy.example" }));

        var error = RegistryError.From(status.ToRpcException());

        Assert.Equal("UPSTREAM", error.Code);
        Assert.False(error.IsFromRegistry);
    }

    [Fact]
    public void From_NoAnswer_IsNotAnAnswerAndNamesTheInnermostCause()
    {
        var cause = new HttpRequestException("Error while copying content.", new InvalidOperationException("Connection refused"));
        var error = RegistryError.From(new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "Error starting gRPC call.", cause)));

        Assert.False(error.IsAnswer);
        Assert.Equal("Connection refused", error.TransportCause);
    }

    [Fact]
    public void From_ProxyAnsweredInsteadOfTheRegistry_IsNotAnAnswer()
    {
        var error = RegistryError.From(new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "Bad gRPC response. HTTP status code: 503")));

        Assert.False(error.IsAnswer);
        Assert.Null(error.TransportCause);
    }
}
