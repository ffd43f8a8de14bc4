using Fabrix.Core.Registry.Audit;

namespace Microsoft.Extensions.Hosting;

/// <summary>The append-only audit log (ARCHITECTURE.md "Audit").</summary>
internal static class AuditExtensions
{
    public static WebApplicationBuilder AddRegistryAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditLog>();
        return builder;
    }
}
