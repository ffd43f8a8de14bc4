using Fabrix.Contracts.Canonical.V1;
using Fabrix.Plugins.Sdk;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fabrix.Plugins.Samples.Accounting.AccountOpening;

/// <summary>
/// The account-opening feature (issue 11 section 6): accounting subscribes to <c>UserCreated</c> (manifest
/// <c>events.subscribes</c>) and opens an account row in its own database for each new user.
/// </summary>
internal static partial class AccountOpeningExtensions
{
    public static WebApplicationBuilder AddAccountOpening(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<AccountsDatabaseOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
                options.ConnectionString = configuration.GetConnectionString(AccountsDatabaseOptions.ConnectionStringName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccountsDatabaseOptions>, AccountsDatabaseOptionsValidator>();
        services.AddSingleton(static provider =>
            new NpgsqlDataSourceBuilder(provider.GetRequiredService<IOptions<AccountsDatabaseOptions>>().Value.ConnectionString)
                .UseLoggerFactory(provider.GetRequiredService<ILoggerFactory>())
                .Build());
        services.AddSingleton<OpenedAccounts>();
        // Before the SDK's subscriber: hosted services start in order, so the table exists before the first event.
        services.AddHostedService<AccountsMigrator>();
        builder.AddFabrixEvents();
        return builder;
    }

    public static WebApplication MapAccountOpening(this WebApplication app)
    {
        app.MapFabrixEvent<UserCreated>(static async (created, context) =>
        {
            var opened = await context.Services.GetRequiredService<OpenedAccounts>().OpenAsync(created, context.EventId, context.CancellationToken);
            LogAccount(context.Services.GetRequiredService<ILogger<OpenedAccounts>>(), created.UserId, context.EventId, opened);
        });
        return app;
    }

    [LoggerMessage(8100, LogLevel.Information, "UserCreated {EventId}: account of {UserId} opened: {Opened} (false: it existed)")]
    private static partial void LogAccount(ILogger logger, string userId, string eventId, bool opened);
}
