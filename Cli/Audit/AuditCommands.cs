using System.CommandLine;
using System.Globalization;
using Fabrix.Cli.Plugins;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using AuditLogClient = Fabrix.Contracts.Registry.V1.AuditLog.AuditLogClient;

namespace Fabrix.Cli.Audit;

/// <summary>
/// <c>fabrix audit query ...</c> and <c>fabrix audit verify</c> against a running registry over gRPC (the AuditLog
/// service of <c>Contracts/fabrix/registry/v1/audit.proto</c>; roles <c>audit_viewer</c> or <c>admin</c>). Address,
/// identity and error mapping are the ones every registry command shares (<see cref="RegistryOptions"/>).
/// </summary>
internal static class AuditCommands
{
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(60);

    public static Command Build(CliContext context)
    {
        var options = new RegistryOptions();
        var audit = new Command("audit", "Query and verify the registry's tamper-evident audit log (roles audit_viewer or admin).");
        options.AddTo(audit);
        audit.Subcommands.Add(Query(context, options));
        audit.Subcommands.Add(Verify(context, options));
        var anchors = new Command("anchors", "The signed checkpoints kept outside the database (the registry's JetStream anchor stream).");
        anchors.Subcommands.Add(ExportAnchors(context, options));
        audit.Subcommands.Add(anchors);
        return audit;
    }

    private static Command Query(CliContext context, RegistryOptions options)
    {
        var from = new Option<string?>("--from") { Description = "Only rows at or after this time (ISO 8601; UTC when no offset is given)." };
        var to = new Option<string?>("--to") { Description = "Only rows before this time (ISO 8601; UTC when no offset is given)." };
        var actor = new Option<string?>("--actor") { Description = "Only this actor, e.g. user:alice, plugin:user-management, system." };
        var action = new Option<string?>("--action") { Description = "Only this action, e.g. plugin.install." };
        var target = new Option<string?>("--target") { Description = "Only this target, e.g. a plugin id." };
        var outcome = new Option<string?>("--outcome") { Description = "Only this outcome." };
        outcome.AcceptOnlyFromAmong("succeeded", "refused", "failed");
        var lane = new Option<string?>("--lane") { Description = "Only decisions of this lane (issue 9): operator, canonical or proxy." };
        lane.AcceptOnlyFromAmong("operator", "canonical", "proxy");
        var plugin = new Option<string?>("--plugin") { Description = "Only rows whose actor is this plugin (plugin:<id>): its lane decisions and registry calls." };
        var pageSize = new Option<int>("--page-size") { Description = "Rows per page, 1–500.", DefaultValueFactory = _ => 50 };
        var all = new Option<bool>("--all") { Description = "Fetch every matching row, page after page (default: one page)." };
        var format = new Option<string>("--format")
        {
            Description = "table (newest first), or jsonl / csv (oldest first, the registry's export format).",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "jsonl", "csv");
        var output = new Option<string?>("--output") { Description = "Write to this file instead of standard output." };

        var command = new Command("query", "List audit rows matching the filters.") { from, to, actor, action, target, outcome, lane, plugin, pageSize, all, format, output };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var size = parseResult.GetValue(pageSize);
            if (size is < 1 or > 500)
            {
                throw new CliFailureException($"--page-size must be between 1 and 500 (was {size}).", ExitCodes.UsageOrIo);
            }

            var filter = new AuditFilter
            {
                From = Time(parseResult.GetValue(from), "--from"),
                To = Time(parseResult.GetValue(to), "--to"),
                Actor = parseResult.GetValue(actor) ?? string.Empty,
                Action = parseResult.GetValue(action) ?? string.Empty,
                Target = parseResult.GetValue(target) ?? string.Empty,
                Outcome = parseResult.GetValue(outcome) ?? string.Empty,
                Lane = parseResult.GetValue(lane) ?? string.Empty,
                Plugin = parseResult.GetValue(plugin) ?? string.Empty,
            };
            var formatName = parseResult.GetRequiredValue(format);
            var query = new AuditQuery(client, headers, filter, size, NewestFirst: formatName == "table", context, cancellationToken);
            return await AuditOutput.WriteAsync(context, query, formatName, parseResult.GetValue(all), parseResult.GetValue(output));
        }));
        return command;
    }

    private static Command Verify(CliContext context, RegistryOptions options)
    {
        var anchorsFile = new Option<string?>("--anchors")
        {
            Description = "A file from 'fabrix audit anchors export' kept offline: every checkpoint in it must be in the registry's database, unchanged.",
        };
        var command = new Command("verify",
            "Walk the audit hash chain, check the checkpoint chain and compare it with the anchor stream (and --anchors). Exit 0 intact, 1 broken or stale head.")
        {
            anchorsFile,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new VerifyAuditRequest();
            if (parseResult.GetValue(anchorsFile) is { } path)
            {
                request.Anchors.Add(await AnchorsFile.ReadAsync(context, path, cancellationToken));
            }

            var result = await client.VerifyAuditAsync(request, headers, Deadline(context), cancellationToken);
            AuditRendering.Verification(context.CreateConsole(), result);
            return result.Intact && !result.StaleHead ? ExitCodes.Ok : ExitCodes.Refused;
        }));
        return command;
    }

    private static Command ExportAnchors(CliContext context, RegistryOptions options)
    {
        var output = new Option<string?>("--output") { Description = "Write to this file instead of standard output (keep it offline)." };
        var command = new Command("export", "Every signed checkpoint of the anchor stream, one JSON object per line, oldest first.") { output };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var path = parseResult.GetValue(output);
            var count = await AnchorsFile.ExportAsync(context, client, headers, path, cancellationToken);
            if (path is not null)
            {
                await context.Out.WriteLineAsync($"Wrote {count} checkpoint{(count == 1 ? string.Empty : "s")} to {path}. Keep it where the registry's database administrators cannot change it; verify with: fabrix audit verify --anchors {path}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static DateTime Deadline(CliContext context) => context.Time.GetUtcNow().UtcDateTime + s_callTimeout;

    private static Timestamp? Time(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw new CliFailureException($"{option} '{text}' is not a date and time; use ISO 8601, e.g. 2025-01-31 or 2025-01-31T08:00:00Z.", ExitCodes.UsageOrIo);
        }

        return Timestamp.FromDateTimeOffset(time);
    }

    /// <summary>Resolves address and identity, opens the channel, runs <paramref name="call"/>, maps every failure to one message.</summary>
    private static async Task<int> RunAsync(CliContext context, RegistryOptions options, ParseResult parseResult, Func<AuditLogClient, Metadata, Task<int>> call)
    {
        Uri? address = null;
        try
        {
            address = RegistryAddress.Resolve(context, parseResult.GetValue(options.Registry));
            var token = AdminCredentials.ResolveBearerToken(
                context,
                parseResult.GetValue(options.Token),
                parseResult.GetValue(options.DevKey),
                parseResult.GetValue(options.User),
                parseResult.GetValue(options.Roles));

            using var channel = context.OpenChannel(address);
            var headers = new Metadata { { "authorization", "Bearer " + token } };
            return await call(new AuditLogClient(channel), headers);
        }
        catch (RpcException ex)
        {
            return await FailAsync(context, RpcFailure.From(ex, address!));
        }
        catch (CliFailureException ex)
        {
            return await FailAsync(context, ex);
        }
    }

    private static async Task<int> FailAsync(CliContext context, CliFailureException failure)
    {
        await context.Error.WriteLineAsync("fabrix: " + failure.Message);
        return failure.ExitCode;
    }
}

/// <summary>One query's pages, fetched on demand.</summary>
internal sealed record AuditQuery(AuditLogClient Client, Metadata Headers, AuditFilter Filter, int PageSize, bool NewestFirst, CliContext Context,
    CancellationToken CancellationToken)
{
    public async Task<QueryAuditResponse> PageAsync(string pageToken) =>
        await Client.QueryAuditAsync(
            new QueryAuditRequest { Filter = Filter, PageSize = PageSize, NewestFirst = NewestFirst, PageToken = pageToken },
            Headers, AuditCommands.Deadline(Context), CancellationToken);
}
