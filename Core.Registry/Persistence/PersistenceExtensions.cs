using Fabrix.Core.Registry.Persistence;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>PostgreSQL through plain Npgsql: one data source, explicit transactions, migrations at start-up.</summary>
internal static class PersistenceExtensions
{
    public static WebApplicationBuilder AddRegistryPersistence(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConnectionStringOptions>().BindConfiguration(ConnectionStringOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ConnectionStringOptions>, ConnectionStringOptionsValidator>();
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<ConnectionStringOptions>>().Value;
            return new NpgsqlDataSourceBuilder(options.Registry)
                .UseLoggerFactory(services.GetRequiredService<ILoggerFactory>())
                .Build();
        });
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RegistryDatabase>();
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHostedService<DatabaseMigrationService>();
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgresql");
        return builder;
    }
}
