using Fabrix.Contracts.Registry.V1;
using Fabrix.Plugins.Sdk.Logging;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Fabrix.Plugins.Sdk.Registration;

/// <summary>
/// Registers the plugin once the server listens, then keeps its token fresh for as long as the app runs:
/// register (retrying) → renew at two thirds of each token's lifetime → register again when the token lapses or is
/// no longer accepted. Never gives up: a plugin outlives registry restarts and waits for an administrator to
/// install or enable it.
/// </summary>
internal sealed class PluginRegistrationService : BackgroundService
{
    /// <summary>Lower bound between renewals, so a registry whose clock runs far ahead cannot make this loop spin.</summary>
    private static readonly TimeSpan s_minimumRenewalDelay = TimeSpan.FromSeconds(1);

    private readonly FabrixPluginContext _context;
    private readonly RegistryClient _client;
    private readonly PluginPushSecret _pushSecret;
    private readonly FabrixPluginOptions _options;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<PluginRegistrationService> _logger;
    private readonly ResiliencePipeline _registerPipeline;
    private readonly ResiliencePipeline _renewPipeline;

    public PluginRegistrationService(
        FabrixPluginContext context,
        RegistryClient client,
        PluginPushSecret pushSecret,
        IOptions<FabrixPluginOptions> options,
        IHostApplicationLifetime lifetime,
        IServiceProvider services,
        TimeProvider timeProvider,
        ILogger<PluginRegistrationService> logger)
    {
        _context = context;
        _client = client;
        _pushSecret = pushSecret;
        _options = options.Value;
        _lifetime = lifetime;
        _services = services;
        _timeProvider = timeProvider;
        _logger = logger;
        _registerPipeline = RegistryRetry.ForRegistration(_options, timeProvider, OnRegisterRetry);
        _renewPipeline = RegistryRetry.ForRenewal(_options, timeProvider, OnRenewRetry);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // The default address is known only once the server listens.
            await WaitForApplicationStartedAsync(stoppingToken).ConfigureAwait(false);
            var address = PluginAddress.Resolve(_options.Address, _services.GetService<IServer>());
            if (address is null)
            {
                SdkLog.NoPluginAddress(_logger, _context.PluginId);
                _context.SetPending($"No address to register with: set {FabrixPluginOptions.SectionName}:{nameof(FabrixPluginOptions.Address)}.");
                return;
            }

            _context.SetPending("Registering with the registry.");
            while (true)
            {
                var token = await RegisterAsync(address, stoppingToken).ConfigureAwait(false);
                await KeepRenewedAsync(token, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task WaitForApplicationStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = _lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
    }

    private async Task<PluginToken> RegisterAsync(string address, CancellationToken stoppingToken)
    {
        var (token, status, pushSecret) = await _registerPipeline.ExecuteAsync(
            async ct =>
            {
                var response = await _client.RegisterAsync(_context.ManifestJson, address, RegistrationCredentialSource.Read(_options), ct).ConfigureAwait(false);
                var (accepted, acceptedStatus) = Accept(response);
                return (accepted, acceptedStatus, response.PushSecret);
            },
            stoppingToken).ConfigureAwait(false);

        // Before the registration is published: a push that arrives once Core.Events sees the plugin finds the secret.
        _pushSecret.Set(pushSecret);
        _context.SetRegistered(token, status);
        SdkLog.Registered(_logger, _context.PluginId, address, status, token.ExpiresAt, token.KeyId);
        return token;
    }

    private async Task KeepRenewedAsync(PluginToken token, CancellationToken stoppingToken)
    {
        while (true)
        {
            var delay = token.RenewAt - _timeProvider.GetUtcNow();
            await Task.Delay(delay > s_minimumRenewalDelay ? delay : s_minimumRenewalDelay, _timeProvider, stoppingToken).ConfigureAwait(false);

            // Renewal needs the current token, so retrying is pointless once it expired: bound the attempt by the
            // expiry (but always allow one full call), then fall back to registering afresh.
            var untilExpiry = token.ExpiresAt - _timeProvider.GetUtcNow();
            using var expiry = new CancellationTokenSource(untilExpiry > _options.CallTimeout ? untilExpiry : _options.CallTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, expiry.Token);
            var current = token;
            try
            {
                var (renewed, status, pushSecret) = await _renewPipeline.ExecuteAsync(
                    async ct =>
                    {
                        var response = await _client.RenewTokenAsync(current, ct).ConfigureAwait(false);
                        var (accepted, acceptedStatus) = Accept(response);
                        return (accepted, acceptedStatus, response.PushSecret);
                    },
                    linked.Token).ConfigureAwait(false);
                // A push plugin learns an administrator's rotation of its push secret here (issue 11 section 3).
                _pushSecret.Set(pushSecret);
                token = renewed;
                _context.SetRegistered(token, status);
                SdkLog.TokenRenewed(_logger, _context.PluginId, token.ExpiresAt, token.KeyId);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                SdkLog.TokenLapsed(_logger, _context.PluginId, current.ExpiresAt);
                _context.SetPending("The token expired before the registry could renew it; registering again.");
                return;
            }
            catch (RpcException ex) when (RegistryFailure.IsLifecycleRefusal(ex))
            {
                var advice = RegistryFailure.Advice(ex, _context.PluginId);
                SdkLog.RenewalRefused(_logger, _context.PluginId, RegistryFailure.Describe(ex), advice);
                _context.SetRefused($"{advice} ({RegistryFailure.Describe(ex)})");
                return;
            }
            catch (RpcException ex) when (RegistryFailure.IsTokenRejected(ex))
            {
                SdkLog.TokenRejected(_logger, _context.PluginId, RegistryFailure.Describe(ex));
                _context.SetPending("The registry no longer accepts the token; registering again.");
                return;
            }
        }
    }

    /// <summary>Turns a token response into a token, refusing answers that could not be used.</summary>
    private (PluginToken Token, PluginStatus Status) Accept(TokenResponse response)
    {
        if (string.IsNullOrEmpty(response.Token) || response.ExpiresAt is null)
        {
            throw new RpcException(new Status(StatusCode.Internal, "The registry answered without a token or its expiry."));
        }

        if (!string.Equals(response.PluginId, _context.PluginId, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.Internal,
                $"The registry issued a token for '{response.PluginId}', not for '{_context.PluginId}'."));
        }

        var token = new PluginToken(response.Token, response.KeyId, _timeProvider.GetUtcNow(), response.ExpiresAt.ToDateTimeOffset());
        return (token, response.Status);
    }

    private ValueTask OnRegisterRetry(OnRetryArguments<object> args)
    {
        var exception = args.Outcome.Exception!;
        var description = RegistryFailure.Describe(exception);
        if (RegistryFailure.IsRefusal(exception))
        {
            var advice = RegistryFailure.Advice(exception, _context.PluginId);
            SdkLog.RegistrationRefused(_logger, _context.PluginId, advice, description, args.RetryDelay);
            _context.SetRefused($"{advice} ({description})");
        }
        else
        {
            SdkLog.RegistryUnreachable(_logger, _context.PluginId, _options.RegistryAddress, args.AttemptNumber + 1, description, args.RetryDelay);
            _context.SetPending($"The registry is unreachable ({description}); retrying.");
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask OnRenewRetry(OnRetryArguments<object> args)
    {
        SdkLog.RenewalRetrying(_logger, _context.PluginId, RegistryFailure.Describe(args.Outcome.Exception!), args.AttemptNumber + 1, args.RetryDelay);
        return ValueTask.CompletedTask;
    }
}
