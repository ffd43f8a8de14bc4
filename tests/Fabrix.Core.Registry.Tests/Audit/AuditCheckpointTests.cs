using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.BackgroundWork;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Core.Registry.Tokens;
using Fabrix.Testing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>Signed checkpoints: verifiable by anyone with the JWKS, written only when the head moves, on a fake clock.</summary>
public sealed class AuditCheckpointTests(RegistryHost host, PostgresServer postgres, NatsServer nats) : IClassFixture<RegistryHost>
{
    [Fact]
    public async Task Checkpoint_Signature_VerifiesWithThePublicKeyFromTheJwks()
    {
        await host.InstallManyAsync(2, "signed");
        var checkpoint = (await host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct)).Checkpoint!;
        using var client = host.Factory.CreateClient();

        var jwks = JsonDocument.Parse(await client.GetStringAsync("/.well-known/jwks.json", Ct)).RootElement;

        var jwk = jwks.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("kid").GetString() == checkpoint.KeyId);
        using var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url.DecodeFromChars(jwk.GetProperty("x").GetString()), Y = Base64Url.DecodeFromChars(jwk.GetProperty("y").GetString()) },
        });
        // The documented signed text, rebuilt here from its parts rather than taken from the product.
        var text = string.Create(CultureInfo.InvariantCulture,
            $"fabrix.audit.checkpoint.v2|{checkpoint.Number}|{checkpoint.Sequence}|{checkpoint.HeadHash}|{checkpoint.RowCount}|{checkpoint.At.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}|{checkpoint.KeyId}|{checkpoint.PreviousCheckpointHash}");
        Assert.True(key.VerifyData(Encoding.UTF8.GetBytes(text), Base64Url.DecodeFromChars(checkpoint.Signature), HashAlgorithmName.SHA256));
        Assert.Equal(await host.HeadAsync(), checkpoint.Sequence);
        Assert.Equal(await host.ScalarAsync<long>("select count(*) from audit_log"), checkpoint.RowCount);
        Assert.Equal(await host.ScalarAsync<string>("select hash from audit_log order by id desc limit 1"), checkpoint.HeadHash);
    }

    [Fact]
    public async Task Checkpoint_HeadUnchanged_WritesNothingNew()
    {
        await host.InstallManyAsync(1, "still");
        var checkpoints = host.Factory.Services.GetRequiredService<AuditCheckpoints>();
        await checkpoints.WriteIfMovedAsync(Ct);
        var count = await host.ScalarAsync<long>("select count(*) from audit_checkpoints");

        var again = await checkpoints.WriteIfMovedAsync(Ct);

        Assert.Equal(CheckpointOutcome.Unchanged, again.Outcome);
        Assert.Equal(count, await host.ScalarAsync<long>("select count(*) from audit_checkpoints"));
    }

    [Fact]
    public async Task CheckpointService_FakeClock_SignsAtStartAndAgainOnlyAfterTheHeadMoved()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("checkpoints"));
        await new MigrationRunner(dataSource, time, NullLogger<MigrationRunner>.Instance).RunAsync(Ct);
        var database = new RegistryDatabase(dataSource, time, NullLogger<RegistryDatabase>.Instance);
        var keyRing = Directory.CreateTempSubdirectory("fabrix-audit-keys-");
        try
        {
            var protection = DataProtectionProvider.Create(keyRing, builder => builder.SetApplicationName("fabrix-core-registry"));
            var ring = new SigningKeyRing(database, protection, Options.Create(new TokenOptions { KeyRingPath = keyRing.FullName }), time, NullLogger<SigningKeyRing>.Instance);
            var stream = $"ANCHORS_{Guid.NewGuid():N}";
            var options = Options.Create(new AuditOptions { CheckpointInterval = TimeSpan.FromMinutes(1), AnchorStream = stream, AnchorSubject = $"anchors.{stream}" });
            await using var connection = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with { Url = nats.Url });
            var checkpoints = new AuditCheckpoints(database, ring, new AuditAnchorStream(connection, options), protection, time, NullLogger<AuditCheckpoints>.Instance,
                new AuditWrittenHashes(), options);
            using var service = new AuditCheckpointService(checkpoints, time, options, new BackgroundWorkHealth(time), new AuditChainHealth(time),
                NullLogger<AuditCheckpointService>.Instance);
            async Task<long> CountAsync()
            {
                await using var command = dataSource.CreateCommand("select count(*) from audit_checkpoints");
                return (long)(await command.ExecuteScalarAsync(Ct))!;
            }

            await service.StartAsync(Ct);
            await WaitUntilAsync(async () => await CountAsync() == 1, () => { });

            // Several idle intervals (the timer may be created after the first advance): the head did not move.
            for (var i = 0; i < 5; i++)
            {
                time.Advance(TimeSpan.FromMinutes(1));
                await Task.Delay(100, Ct);
            }

            var afterIdleTicks = await CountAsync();
            await using (var transaction = await database.BeginAsync(Ct))
            {
                await AuditLog.AppendAsync(transaction, new AuditEntry("system", "test.move", "head", AuditOutcome.Succeeded, "moved", "c"), Ct);
                await transaction.CommitAsync(Ct);
            }

            await WaitUntilAsync(async () => await CountAsync() == 2, () => time.Advance(TimeSpan.FromMinutes(1)));
            await service.StopAsync(Ct);

            Assert.Equal(1L, afterIdleTicks);
        }
        finally
        {
            keyRing.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Verify_CheckpointKeyNotDecryptableWithThisKeyRing_CheckpointInvalid()
    {
        await host.InstallManyAsync(1, "foreign");
        await host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct);
        var foreignRing = Directory.CreateTempSubdirectory("fabrix-foreign-ring-");
        try
        {
            var database = host.Factory.Services.GetRequiredService<RegistryDatabase>();
            var protection = DataProtectionProvider.Create(foreignRing, builder => builder.SetApplicationName("fabrix-core-registry"));
            var anchors = host.Factory.Services.GetRequiredService<AuditAnchorStream>();
            var checkpoints = new AuditCheckpoints(database, host.Factory.Services.GetRequiredService<SigningKeyRing>(), anchors, protection,
                TimeProvider.System, NullLogger<AuditCheckpoints>.Instance, new AuditWrittenHashes(), host.Factory.Services.GetRequiredService<IOptions<AuditOptions>>());

            var result = await new AuditVerifier(database, checkpoints, anchors, TimeProvider.System,
                host.Factory.Services.GetRequiredService<IOptions<AuditOptions>>()).VerifyAsync(Ct);

            Assert.False(result.Intact);
            Assert.False(result.CheckpointValid);
            Assert.Contains("was not created by this registry", result.Problem, StringComparison.Ordinal);
        }
        finally
        {
            foreignRing.Delete(recursive: true);
        }
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition, Action poll) =>
        Eventually.UntilAsync(condition, TimeSpan.FromSeconds(20), "checkpoint condition", Ct, nudge: poll, every: TimeSpan.FromMilliseconds(50));
}
