using Fabrix.Core.Registry.Audit;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The append-only, hash-chained audit log (ARCHITECTURE.md "Audit", issue 3 section 4): appends, signed checkpoints,
/// verification, queries and export over gRPC, and <c>GET /audit/verify</c>; the anchor stream, the audit-chain health check
/// and the folding of repeated refusals (issue 7 sections 2 and 5).
/// </summary>
internal static class AuditExtensions
{
    public static WebApplicationBuilder AddRegistryAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<AuditAccess>();
        builder.Services.AddSingleton<AuditQueries>();
        builder.Services.AddSingleton<AuditAnchorStream>();
        builder.Services.AddSingleton<AuditCheckpoints>();
        builder.Services.AddSingleton<AuditWrittenHashes>();
        builder.Services.AddSingleton<AuditChainHealth>();
        builder.Services.AddSingleton<AuditRefusalFolding>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AuditRefusalFolding>());
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddHealthChecks().AddCheck<AuditChainHealth>("audit-chain");
        builder.Services.AddSingleton<AuditVerifier>();
        builder.Services.AddSingleton<AuditLogReader>();
        builder.Services.AddBackgroundWorkHealth();
        builder.Services.AddHostedService<AuditCheckpointService>();
        builder.AddRegistryAuditIngest();
        return builder;
    }

    public static WebApplication MapRegistryAudit(this WebApplication app)
    {
        app.MapGrpcService<AuditLogService>();
        app.MapAuditEndpoints();
        return app;
    }
}
