namespace Fabrix.Core.Registry.Errors;

/// <summary>
/// Carries a <see cref="Refusal"/> out of an operation after the refusal was audited. Caught in one place per
/// transport: <see cref="GrpcRefusalInterceptor"/> and <see cref="RefusalProblemDetailsHandler"/>.
/// </summary>
internal sealed class RegistryRefusalException : Exception
{
    public RegistryRefusalException(Refusal refusal)
        : base(refusal.Reason) => Refusal = refusal;

    public Refusal Refusal { get; }
}
