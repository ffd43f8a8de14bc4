namespace Fabrix.Core.Registry.Errors;

/// <summary>
/// Carries a <see cref="Refusal"/> out of an operation after the refusal was audited. Caught in one place per
/// transport: <see cref="GrpcRefusalInterceptor"/> and <see cref="RefusalProblemDetailsHandler"/>.
/// </summary>
internal sealed class RegistryRefusalException : Exception
{
    public RegistryRefusalException(Refusal refusal)
        : base(refusal.Reason) => Refusal = refusal;

    public RegistryRefusalException()
        : this(Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.IllegalTransition, "Refused."))
    {
    }

    public RegistryRefusalException(string message)
        : this(Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.IllegalTransition, message))
    {
    }

    public RegistryRefusalException(string message, Exception innerException)
        : base(message, innerException) =>
        Refusal = Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.IllegalTransition, message);

    public Refusal Refusal { get; }
}
