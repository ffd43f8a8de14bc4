using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fabrix.Plugins.Samples.UserManagement.UserProfiles;

/// <summary>The user-profiles feature: storage, schema migration and the <c>/api/users</c> endpoints.</summary>
internal static class UserProfilesExtensions
{
    public static WebApplicationBuilder AddUserProfiles(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<UserProfilesDatabaseOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
                options.ConnectionString = configuration.GetConnectionString(UserProfilesDatabaseOptions.ConnectionStringName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<UserProfilesDatabaseOptions>, UserProfilesDatabaseOptionsValidator>();
        services.AddSingleton(static provider =>
            new NpgsqlDataSourceBuilder(provider.GetRequiredService<IOptions<UserProfilesDatabaseOptions>>().Value.ConnectionString)
                .UseLoggerFactory(provider.GetRequiredService<ILoggerFactory>())
                .Build());
        services.AddSingleton<UserProfileStore>();
        services.AddHostedService<UserProfilesMigrator>();
        services.ConfigureHttpJsonOptions(static options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, UserProfilesJsonContext.Default));
        return builder;
    }

    public static WebApplication MapUserProfiles(this WebApplication app)
    {
        app.MapUserProfileEndpoints();
        return app;
    }
}
