using ContractHealthState = Fabrix.Contracts.Registry.V1.HealthState;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// Health of an active plugin, tracked separately from its lifecycle (issue 3 §1, ARCHITECTURE.md "Lifecycle and
/// health"). Every plugin starts <see cref="Unknown"/>.
/// </summary>
internal enum HealthState
{
    Unknown = 0,
    Healthy = 1,
    Degraded = 2,
    Unhealthy = 3,
}

/// <summary>Conversions at the boundaries: the gRPC contract and the lower-case names used in storage and events.</summary>
internal static class HealthStateNames
{
    public const string Unknown = "unknown";
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Unhealthy = "unhealthy";

    /// <summary>The lower-case name used in storage, audit rows and NATS messages (seed 004 "Health Monitoring").</summary>
    public static string Name(this HealthState state) => state switch
    {
        HealthState.Healthy => Healthy,
        HealthState.Degraded => Degraded,
        HealthState.Unhealthy => Unhealthy,
        _ => Unknown,
    };

    /// <summary>Parses a name written by <see cref="Name"/>; anything else is <see cref="HealthState.Unknown"/>.</summary>
    public static HealthState Parse(string? name) => name switch
    {
        Healthy => HealthState.Healthy,
        Degraded => HealthState.Degraded,
        Unhealthy => HealthState.Unhealthy,
        _ => HealthState.Unknown,
    };

    public static ContractHealthState ToContract(this HealthState state) => state switch
    {
        HealthState.Healthy => ContractHealthState.Healthy,
        HealthState.Degraded => ContractHealthState.Degraded,
        HealthState.Unhealthy => ContractHealthState.Unhealthy,
        _ => ContractHealthState.Unknown,
    };

    public static HealthState FromContract(ContractHealthState state) => state switch
    {
        ContractHealthState.Healthy => HealthState.Healthy,
        ContractHealthState.Degraded => HealthState.Degraded,
        ContractHealthState.Unhealthy => HealthState.Unhealthy,
        _ => HealthState.Unknown,
    };
}
