using System.Buffers;
using System.Text;
using Fabrix.Cli.Plugins;
using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Registry.V1;
using Spectre.Console;

namespace Fabrix.Cli.Audit;

/// <summary>
/// Writes the rows of an audit query as a table or in the registry's export formats, to standard output or a file.
/// Pages are written as they arrive (jsonl/csv), so <c>--all</c> over a long log runs in constant memory; the table
/// needs all its rows to size its columns.
/// </summary>
internal static class AuditOutput
{
    public static async Task<int> WriteAsync(CliContext context, AuditQuery query, string format, bool all, string? outputPath)
    {
        var file = outputPath is null ? null : Open(context, outputPath);
        try
        {
            var writer = file ?? context.Out;
            var (rows, total, more) = format == "table"
                ? await TableAsync(query, all, writer, file is null && context.Ansi)
                : await LinesAsync(query, all, writer, format == "csv" ? AuditFileFormat.Csv : AuditFileFormat.JsonLines);

            var shown = $"{rows} of {total} matching row{(total == 1 ? string.Empty : "s")}";
            if (file is not null)
            {
                await context.Out.WriteLineAsync($"Wrote {shown} to {outputPath}.{(more ? " Use --all for every row." : string.Empty)}");
            }
            else if (format == "table")
            {
                await context.Out.WriteLineAsync($"{shown}, newest first.{(more ? " Use --all for every row, or narrow the filters." : string.Empty)}");
            }
            else if (more)
            {
                // Standard output carries the data; the hint goes to standard error.
                await context.Error.WriteLineAsync($"fabrix: wrote {shown}; use --all for every row.");
            }

            return ExitCodes.Ok;
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync();
            }
        }
    }

    private static async Task<(long Rows, long Total, bool More)> TableAsync(AuditQuery query, bool all, TextWriter writer, bool ansi)
    {
        var records = new List<AuditRecord>();
        var (total, more) = await ForEachPageAsync(query, all, page =>
        {
            records.AddRange(page.Records);
            return Task.CompletedTask;
        });

        AuditRendering.Table(AuditRendering.Console(writer, ansi), records);
        return (records.Count, total, more);
    }

    /// <summary>The registry's export formats, byte for byte (one implementation in Contracts), page by page.</summary>
    private static async Task<(long Rows, long Total, bool More)> LinesAsync(AuditQuery query, bool all, TextWriter writer, AuditFileFormat format)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        format.WriteHeader(buffer);
        long rows = 0;
        var (total, more) = await ForEachPageAsync(query, all, async page =>
        {
            foreach (var record in page.Records)
            {
                format.WriteRow(buffer, AuditFileRow.From(record));
                rows++;
            }

            await writer.WriteAsync(Encoding.UTF8.GetString(buffer.WrittenSpan));
            buffer.ResetWrittenCount();
        });

        await writer.FlushAsync();
        return (rows, total, more);
    }

    /// <summary>Fetches the first page, and the rest when <paramref name="all"/>; returns the total and whether rows were left.</summary>
    private static async Task<(long Total, bool More)> ForEachPageAsync(AuditQuery query, bool all, Func<QueryAuditResponse, Task> handle)
    {
        var page = await query.PageAsync(string.Empty);
        await handle(page);
        while (all && page.NextPageToken.Length > 0)
        {
            page = await query.PageAsync(page.NextPageToken);
            await handle(page);
        }

        return (page.TotalCount, page.NextPageToken.Length > 0);
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

/// <summary>Spectre.Console output for audit rows and verification results.</summary>
internal static class AuditRendering
{
    public static IAnsiConsole Console(TextWriter writer, bool ansi)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = ansi ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ansi ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (!ansi)
        {
            // Files and pipes get whole lines.
            console.Profile.Width = 4096;
        }

        return console;
    }

    public static void Table(IAnsiConsole console, IReadOnlyList<AuditRecord> records)
    {
        if (records.Count == 0)
        {
            console.MarkupLine("No audit rows match.");
            return;
        }

        var table = new Table().AddColumns("SEQ", "AT", "ACTOR", "ACTION", "TARGET", "OUTCOME", "REASON");
        foreach (var record in records)
        {
            table.AddRow(
                new Text(record.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Text(PluginText.Time(record.At)),
                new Text(record.Actor),
                new Text(record.Action),
                new Text(record.Target),
                new Text(record.Outcome),
                new Text(record.Reason));
        }

        console.Write(table);
    }

    public static void Verification(IAnsiConsole console, VerifyAuditResponse result)
    {
        if (result.Intact)
        {
            console.MarkupLine($"[green]Audit log intact[/]: {result.RowsChecked} rows checked.");
        }
        else
        {
            console.MarkupLine($"[red]Audit log BROKEN at row {result.FirstBrokenSequence}[/]: {Markup.Escape(result.Problem)}");
            console.MarkupLine($"Rows verified before the break: {result.RowsChecked}.");
        }

        if (result.LatestCheckpoint is { } checkpoint)
        {
            console.MarkupLine(
                $"Latest checkpoint: row {checkpoint.Sequence} ({checkpoint.RowCount} rows, head {Markup.Escape(checkpoint.HeadHash[..Math.Min(16, checkpoint.HeadHash.Length)])}…), "
                + $"signed {PluginText.Time(checkpoint.At)} with key {Markup.Escape(checkpoint.KeyId)}: {(result.CheckpointValid ? "[green]valid[/]" : "[red]not valid[/]")}.");
        }
        else
        {
            console.MarkupLine("No signed checkpoint yet: a truncated tail cannot be detected until the registry writes one (every minute while the log grows).");
        }

        console.MarkupLine($"Checkpoint chain: {result.CheckpointsChecked} checkpoint{(result.CheckpointsChecked == 1 ? string.Empty : "s")} checked, {(result.CheckpointChainValid ? "[green]unbroken[/]" : "[red]broken[/]")}.");
        console.MarkupLine(result.AnchorStreamChecked
            ? $"Anchor stream: {result.StreamAnchorsCompared} anchor{(result.StreamAnchorsCompared == 1 ? string.Empty : "s")} compared."
            : $"[yellow]Anchor stream not compared[/]: {Markup.Escape(result.AnchorStreamProblem)}");
        if (result.FileAnchorsCompared > 0)
        {
            console.MarkupLine($"Anchors file: {result.FileAnchorsCompared} anchor{(result.FileAnchorsCompared == 1 ? string.Empty : "s")} compared.");
        }

        foreach (var finding in result.AnchorFindings)
        {
            console.MarkupLine($"[red]Anchor {finding.Number} {Markup.Escape(finding.Kind)}[/] ({Markup.Escape(finding.Source)}): {Markup.Escape(finding.Problem)}");
        }

        if (result.StaleHead)
        {
            console.MarkupLine($"[red]Stale head[/]: {result.RowsAfterLatestCheckpoint} row{(result.RowsAfterLatestCheckpoint == 1 ? string.Empty : "s")} after the latest checkpoint, which is {result.LatestCheckpointAgeSeconds} s old: the registry stopped signing (see its /health and critical log) or checkpoints were deleted.");
        }
    }
}
