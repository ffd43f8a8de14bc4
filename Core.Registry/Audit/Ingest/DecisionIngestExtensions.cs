using Fabrix.Core.Registry.Audit.Ingest;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Lane decisions from JetStream into the audit chain, in batches (issue 9 section 4).</summary>
internal static class DecisionIngestExtensions
{
    public static WebApplicationBuilder AddRegistryAuditIngest(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DecisionIngestOptions>().BindConfiguration(DecisionIngestOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DecisionIngestOptions>, DecisionIngestOptionsValidator>();
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<DecisionChainAppender>();
        builder.Services.AddSingleton<DecisionIngestMetrics>();
        if (builder.Configuration.GetValue($"{DecisionIngestOptions.SectionName}:Enabled", defaultValue: true))
        {
            builder.Services.AddHostedService<DecisionIngestService>();
        }

        return builder;
    }
}
