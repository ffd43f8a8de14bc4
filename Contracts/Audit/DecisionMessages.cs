using Fabrix.Contracts.Audit.V1;
using Google.Protobuf;

namespace Fabrix.Contracts.Audit;

/// <summary>
/// The wire form of lane decisions on JetStream, written by the lanes and read by the registry's ingest: a message is
/// either one <see cref="DecisionRecord"/>, or, with the <see cref="BatchHeader"/> header, a <see cref="DecisionBatch"/>
/// of records of one lane (see <c>decision.proto</c>).
/// </summary>
public static class DecisionMessages
{
    /// <summary>The header that marks a <see cref="DecisionBatch"/>; its value is the number of records.</summary>
    public const string BatchHeader = "Fabrix-Decision-Batch";

    /// <summary>
    /// The most items (<see cref="DecisionRecord.Items"/>) one record may carry: a lane writes several records for a
    /// longer run of like decisions, and the registry refuses a record with more. No more than the registry keeps of an
    /// array in an audit row's details (<c>AuditValue.MaxDetailArrayItems</c>), so no item is ever cut.
    /// </summary>
    public const int MaxItems = 100;

    /// <summary>The most records one batch message may carry; a longer batch is refused whole.</summary>
    public const int MaxBatchRecords = 10_000;

    /// <summary>The message id of a batch: its first record's id and its length (a retry republishes the same batch).</summary>
    public static string BatchMessageId(DecisionBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Records.Count == 0)
        {
            throw new ArgumentException("A batch holds at least one record.", nameof(batch));
        }

        return $"batch:{batch.Records[0].Id}:{batch.Records.Count}";
    }

    /// <summary>
    /// The records of one message: a single record when <paramref name="batchHeader"/> is absent, else the batch's
    /// records, whose count must equal the header's. Throws <see cref="InvalidProtocolBufferException"/> when the body
    /// does not parse and <see cref="FormatException"/> when the header is not a count in 1..<see cref="MaxBatchRecords"/>
    /// or does not match the body.
    /// </summary>
    public static IReadOnlyList<DecisionRecord> Read(string? batchHeader, ReadOnlySpan<byte> body)
    {
        if (batchHeader is null)
        {
            return [DecisionRecord.Parser.ParseFrom(body)];
        }

        if (!int.TryParse(batchHeader, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count)
            || count is < 1 or > MaxBatchRecords)
        {
            throw new FormatException($"{BatchHeader} must be a record count between 1 and {MaxBatchRecords} (was '{batchHeader}').");
        }

        var batch = DecisionBatch.Parser.ParseFrom(body);
        if (batch.Records.Count != count)
        {
            throw new FormatException($"{BatchHeader} says {count} record(s) but the batch holds {batch.Records.Count}.");
        }

        return batch.Records;
    }
}
