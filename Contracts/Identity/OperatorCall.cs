namespace Fabrix.Contracts.Identity;

/// <summary>Wire vocabulary of a call from one plugin to another through the gateway (issue 10 sections 1 and 3).</summary>
public static class OperatorCall
{
    /// <summary>gRPC metadata key (HTTP/2 header) naming the target plugin of a gRPC call to the gateway.</summary>
    public const string TargetHeader = "fabrix-target";
}
