using System.Text;
using Fabrix.Cli.Plugins;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf;
using Grpc.Core;
using AuditLogClient = Fabrix.Contracts.Registry.V1.AuditLog.AuditLogClient;

namespace Fabrix.Cli.Audit;

/// <summary>
/// The offline anchors file: one <c>AuditCheckpoint</c> (audit.proto) per line in protobuf's JSON mapping, oldest first,
/// as <c>fabrix audit anchors export</c> writes it and <c>fabrix audit verify --anchors</c> reads it. The registry
/// checks each one's signature, so an edited file shows up as invalid anchors, not as a broken log.
/// </summary>
internal static class AnchorsFile
{
    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static async Task<long> ExportAsync(CliContext context, AuditLogClient client, Metadata headers, string? path, CancellationToken cancellationToken)
    {
        var file = path is null ? null : Open(context, path);
        try
        {
            var writer = file ?? context.Out;
            using var call = client.ListAuditCheckpoints(new ListAuditCheckpointsRequest(), headers, AuditCommands.Deadline(context), cancellationToken);
            long count = 0;
            await foreach (var checkpoint in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                await writer.WriteLineAsync(JsonFormatter.Default.Format(checkpoint));
                count++;
            }

            return count;
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync();
            }
        }
    }

    public static async Task<IReadOnlyList<AuditCheckpoint>> ReadAsync(CliContext context, string path, CancellationToken cancellationToken)
    {
        string[] lines;
        try
        {
            lines = await File.ReadAllLinesAsync(Path.Combine(context.CurrentDirectory, path), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliFailureException($"Cannot read {path}: {ex.Message}", ExitCodes.UsageOrIo);
        }

        var anchors = new List<AuditCheckpoint>(lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            try
            {
                anchors.Add(s_parser.Parse<AuditCheckpoint>(lines[i]));
            }
            catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException)
            {
                throw new CliFailureException($"{path} line {i + 1} is not a checkpoint from 'fabrix audit anchors export': {ex.Message}", ExitCodes.UsageOrIo);
            }
        }

        return anchors;
    }

    private static StreamWriter Open(CliContext context, string path)
    {
        try
        {
            return new StreamWriter(Path.Combine(context.CurrentDirectory, path), append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliFailureException($"Cannot write {path}: {ex.Message}", ExitCodes.UsageOrIo);
        }
    }
}
