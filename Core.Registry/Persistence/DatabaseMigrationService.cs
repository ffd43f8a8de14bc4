namespace Fabrix.Core.Registry.Persistence;

/// <summary>
/// Migrates the database before anything else starts: <see cref="IHostedLifecycleService.StartingAsync"/> runs before
/// every hosted service's StartAsync (key rotation, outbox relay) and before the server accepts requests.
/// </summary>
internal sealed class DatabaseMigrationService(MigrationRunner runner) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => runner.RunAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
