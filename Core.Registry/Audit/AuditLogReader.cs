using System.Buffers;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Errors;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// Query, export and verification on behalf of an authorized caller, each audited (<c>audit.query</c>,
/// <c>audit.export</c>, <c>audit.verify</c>): invalid requests are refused and audited, a query or a verification is
/// audited with its result before it is returned, an export before its first byte leaves. Shared by gRPC
/// (<see cref="AuditLogService"/>) and REST (<see cref="AuditEndpoints"/>).
/// </summary>
internal sealed class AuditLogReader(AuditLog audit, AuditQueries queries, AuditVerifier verifier, AuditAnchorStream anchors)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    /// <summary>Export chunk size: large enough to amortise a message, far below gRPC's 4 MB message limit.</summary>
    public const int ChunkSize = 64 * 1024;

    public Task<QueryAuditResponse> QueryAsync(Caller caller, QueryAuditRequest request, CancellationToken cancellationToken) =>
        audit.RecordFailuresAsync(caller, AuditActions.QueryAudit, AuditAccess.Target, async () =>
        {
            var violations = new List<FieldViolation>();
            var filter = ParseFilter(request.Filter, violations);
            var pageSize = request.PageSize;
            if (pageSize == 0)
            {
                pageSize = DefaultPageSize;
            }
            else if (pageSize is < 1 or > MaxPageSize)
            {
                violations.Add(new FieldViolation("page_size", $"Must be between 1 and {MaxPageSize} (0 means {DefaultPageSize}); was {request.PageSize}."));
            }

            AuditPageToken? token = null;
            if (request.PageToken.Length > 0)
            {
                token = AuditPageToken.TryDecode(request.PageToken);
                if (token is null)
                {
                    violations.Add(new FieldViolation("page_token", "Not a page token issued by this registry."));
                }
                else if (token.Filter != filter.Fingerprint(request.NewestFirst))
                {
                    violations.Add(new FieldViolation("page_token", "The page token belongs to a different query: keep the filter and newest_first of the first page."));
                }
            }

            if (violations.Count > 0)
            {
                throw await audit.RefuseAsync(caller, AuditActions.QueryAudit, AuditAccess.Target,
                    Refusal.Invalid($"The audit query is invalid: {violations.Count} problem(s).", violations), null, cancellationToken);
            }

            var page = await queries.QueryAsync(filter, pageSize, request.NewestFirst, token, cancellationToken);
            var details = Describe(filter);
            details["page_size"] = pageSize;
            details["newest_first"] = request.NewestFirst;
            details["continued"] = token is not null;
            details["returned"] = page.Rows.Count;
            details["total_count"] = page.TotalCount;
            await audit.SucceededAsync(caller, AuditActions.QueryAudit, AuditAccess.Target,
                $"read {page.Rows.Count} of {page.TotalCount} matching audit rows", details, cancellationToken);

            var response = new QueryAuditResponse { NextPageToken = page.NextPageToken, TotalCount = page.TotalCount };
            response.Records.Add(page.Rows.Select(ToRecord));
            return response;
        }, cancellationToken);

    /// <summary>Streams the export to <paramref name="send"/> in chunks of about <see cref="ChunkSize"/> bytes; returns the row count.</summary>
    public Task<long> ExportAsync(Caller caller, ExportAuditRequest request, Func<ReadOnlyMemory<byte>, Task> send, CancellationToken cancellationToken) =>
        audit.RecordFailuresAsync(caller, AuditActions.ExportAudit, AuditAccess.Target, async () =>
        {
            var violations = new List<FieldViolation>();
            var filter = ParseFilter(request.Filter, violations);
            var (format, formatName) = request.Format switch
            {
                // Unspecified means JSON lines: the lossless format, the one to verify from.
                AuditExportFormat.Unspecified or AuditExportFormat.JsonLines => (AuditFileFormat.JsonLines, "jsonl"),
                AuditExportFormat.Csv => (AuditFileFormat.Csv, "csv"),
                _ => (null, string.Empty),
            };
            if (format is null)
            {
                violations.Add(new FieldViolation("format", $"Unknown export format {(int)request.Format}: use AUDIT_EXPORT_FORMAT_JSON_LINES or AUDIT_EXPORT_FORMAT_CSV."));
            }

            if (violations.Count > 0 || format is null)
            {
                throw await audit.RefuseAsync(caller, AuditActions.ExportAudit, AuditAccess.Target,
                    Refusal.Invalid($"The audit export is invalid: {violations.Count} problem(s).", violations), null, cancellationToken);
            }

            var details = Describe(filter);
            details["format"] = formatName;
            await audit.SucceededAsync(caller, AuditActions.ExportAudit, AuditAccess.Target, $"exported the matching audit rows as {formatName}", details, cancellationToken);

            var buffer = new ArrayBufferWriter<byte>(ChunkSize + 4096);
            format.WriteHeader(buffer);
            long rows = 0;
            await foreach (var row in queries.ReadAllAsync(filter, cancellationToken))
            {
                format.WriteRow(buffer, row.ToFileRow());
                rows++;
                if (buffer.WrittenCount >= ChunkSize)
                {
                    await send(buffer.WrittenMemory);
                    buffer.ResetWrittenCount();
                }
            }

            if (buffer.WrittenCount > 0)
            {
                await send(buffer.WrittenMemory);
            }

            return rows;
        }, cancellationToken);

    public Task<AuditVerification> VerifyAsync(Caller caller, CancellationToken cancellationToken) =>
        VerifyAsync(caller, [], cancellationToken);

    /// <summary>Verifies, also comparing <paramref name="fileAnchors"/> (checkpoints the caller kept offline).</summary>
    public Task<AuditVerification> VerifyAsync(Caller caller, IReadOnlyList<AuditCheckpoint> fileAnchors, CancellationToken cancellationToken) =>
        audit.RecordFailuresAsync(caller, AuditActions.VerifyAudit, AuditAccess.Target, async () =>
        {
            var result = await verifier.VerifyAsync(fileAnchors, cancellationToken);
            var reason = result.Intact
                ? $"audit chain intact: {result.RowsChecked} rows checked"
                : $"audit chain broken at row {result.FirstBrokenSequence}: {result.Problem}";
            if (result.StaleHead)
            {
                reason += $"; stale head: {result.RowsAfterLatestCheckpoint} rows after the latest checkpoint";
            }

            await audit.SucceededAsync(caller, AuditActions.VerifyAudit, AuditAccess.Target, reason, new JsonObject
            {
                ["intact"] = result.Intact,
                ["rows_checked"] = result.RowsChecked,
                ["first_broken_sequence"] = result.FirstBrokenSequence,
                ["checkpoint_sequence"] = result.Checkpoint?.Sequence,
                ["checkpoint_number"] = result.Checkpoint?.Number,
                ["checkpoint_valid"] = result.CheckpointValid,
                ["checkpoint_chain_valid"] = result.CheckpointChainValid,
                ["anchor_stream_checked"] = result.AnchorStreamChecked,
                ["stream_anchors_compared"] = result.StreamAnchorsCompared,
                ["file_anchors_compared"] = result.FileAnchorsCompared,
                ["anchor_findings"] = result.AnchorFindings.Count,
                ["stale_head"] = result.StaleHead,
            }, cancellationToken);
            return result;
        }, cancellationToken);

    /// <summary>Every anchor in the anchor stream, oldest first; audited as an export of the checkpoints.</summary>
    public Task<long> ListCheckpointsAsync(Caller caller, Func<AuditCheckpoint, Task> send, CancellationToken cancellationToken) =>
        audit.RecordFailuresAsync(caller, AuditActions.ListCheckpoints, AuditAccess.Target, async () =>
        {
            var last = await anchors.LastSequenceAsync(cancellationToken);
            await audit.SucceededAsync(caller, AuditActions.ListCheckpoints, AuditAccess.Target,
                "exported the anchor stream's checkpoints", new JsonObject { ["stream"] = anchors.StreamName }, cancellationToken);
            long count = 0;
            await foreach (var anchor in anchors.ReadAllAsync(last, cancellationToken))
            {
                await send(anchor.Checkpoint);
                count++;
            }

            return count;
        }, cancellationToken);

    public static AuditRecord ToRecord(AuditStoredRow row)
    {
        var chain = row.ChainRow;
        return new AuditRecord
        {
            Sequence = chain.Sequence,
            At = Timestamp.FromDateTimeOffset(chain.At),
            Actor = chain.Actor,
            Action = chain.Action,
            Target = chain.Target,
            Outcome = chain.Outcome,
            Reason = chain.Reason,
            CorrelationId = chain.CorrelationId,
            DetailsJson = chain.DetailsJson,
            PrevHash = chain.PrevHash,
            Hash = row.Hash,
        };
    }

    public static VerifyAuditResponse ToResponse(AuditVerification result)
    {
        var response = new VerifyAuditResponse
        {
            Intact = result.Intact,
            RowsChecked = result.RowsChecked,
            FirstBrokenSequence = result.FirstBrokenSequence,
            Problem = result.Problem,
            CheckpointValid = result.CheckpointValid,
            CheckpointsChecked = result.CheckpointsChecked,
            CheckpointChainValid = result.CheckpointChainValid,
            AnchorStreamChecked = result.AnchorStreamChecked,
            AnchorStreamProblem = result.AnchorStreamProblem,
            StreamAnchorsCompared = result.StreamAnchorsCompared,
            FileAnchorsCompared = result.FileAnchorsCompared,
            StaleHead = result.StaleHead,
            RowsAfterLatestCheckpoint = result.RowsAfterLatestCheckpoint,
            LatestCheckpointAgeSeconds = result.LatestCheckpointAgeSeconds,
        };
        response.AnchorFindings.Add(result.AnchorFindings.Select(f => new Contracts.Registry.V1.AuditAnchorFinding
        {
            Source = f.Source,
            Number = f.Number,
            Kind = f.Kind,
            Problem = f.Problem,
        }));
        if (result.Checkpoint is { } checkpoint)
        {
            response.LatestCheckpoint = ToContract(checkpoint);
        }

        return response;
    }

    public static Contracts.Registry.V1.AuditCheckpoint ToContract(AuditCheckpoint checkpoint) => new()
    {
        Number = checkpoint.Number,
        Sequence = checkpoint.Sequence,
        HeadHash = checkpoint.HeadHash,
        RowCount = checkpoint.RowCount,
        At = Timestamp.FromDateTimeOffset(checkpoint.At),
        KeyId = checkpoint.KeyId,
        PreviousCheckpointHash = checkpoint.PreviousCheckpointHash ?? string.Empty,
        Version = checkpoint.Version,
        Signature = checkpoint.Signature,
        CheckpointHash = checkpoint.Hash,
    };

    /// <summary>A checkpoint the caller supplies (an offline anchor); its signature is checked like any other.</summary>
    public static AuditCheckpoint FromContract(Contracts.Registry.V1.AuditCheckpoint checkpoint) => new(
        checkpoint.Number,
        checkpoint.Sequence,
        checkpoint.HeadHash,
        checkpoint.RowCount,
        checkpoint.At?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch,
        checkpoint.KeyId,
        checkpoint.PreviousCheckpointHash.Length == 0 ? null : checkpoint.PreviousCheckpointHash,
        checkpoint.Version == 0 ? 2 : checkpoint.Version,
        checkpoint.Signature);

    private static readonly string[] s_outcomes = ["succeeded", "refused", "failed"];
    private static readonly string[] s_lanes = ["operator", "canonical", "proxy"];

    private static AuditQueryFilter ParseFilter(AuditFilter? filter, List<FieldViolation> violations)
    {
        filter ??= new AuditFilter();
        var from = filter.From?.ToDateTimeOffset();
        var to = filter.To?.ToDateTimeOffset();
        if (from is not null && to is not null && from >= to)
        {
            violations.Add(new FieldViolation("filter.to", "Must be later than filter.from (from is inclusive, to exclusive)."));
        }

        var outcome = Exact(filter.Outcome);
        if (outcome is not null && !s_outcomes.Contains(outcome, StringComparer.Ordinal))
        {
            violations.Add(new FieldViolation("filter.outcome", $"Must be one of {string.Join(", ", s_outcomes)} (or empty for any); was '{outcome}'."));
        }

        var lane = Exact(filter.Lane);
        if (lane is not null && !s_lanes.Contains(lane, StringComparer.Ordinal))
        {
            violations.Add(new FieldViolation("filter.lane", $"Must be one of {string.Join(", ", s_lanes)} (or empty for any); was '{AuditValue.ForLog(lane)}'."));
        }

        return new AuditQueryFilter(from, to, Exact(filter.Actor), Exact(filter.Action), Exact(filter.Target), outcome, filter.ChangesOnly,
            lane, Exact(filter.Plugin));
    }

    private static string? Exact(string value) => value.Length == 0 ? null : value;

    private static JsonObject Describe(AuditQueryFilter filter)
    {
        var description = new JsonObject();
        if (filter.From is { } from)
        {
            description["from"] = AuditChain.FormatTime(from);
        }

        if (filter.To is { } to)
        {
            description["to"] = AuditChain.FormatTime(to);
        }

        foreach (var (name, value) in (ReadOnlySpan<(string, string?)>)[("actor", filter.Actor), ("action", filter.Action), ("target", filter.Target), ("outcome", filter.Outcome),
            ("lane", filter.Lane), ("plugin", filter.Plugin)])
        {
            if (value is not null)
            {
                description[name] = value;
            }
        }

        if (filter.ChangesOnly)
        {
            description["changes_only"] = true;
        }

        return new JsonObject { ["filter"] = description };
    }
}
