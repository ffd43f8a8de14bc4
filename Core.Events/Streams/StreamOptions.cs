using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Streams;

/// <summary>Where canonical events are stored (<c>Fabrix:Events:Streams</c>); Core.Events creates both streams at start.</summary>
internal sealed class StreamOptions
{
    public const string SectionName = "Fabrix:Events:Streams";

    /// <summary>The JetStream stream of published events (file storage).</summary>
    public string Stream { get; set; } = "FABRIX_CANONICAL";

    /// <summary>Subject prefix: an event of type <c>UserCreated</c> is stored on <c>&lt;prefix&gt;.UserCreated</c>.</summary>
    public string SubjectPrefix { get; set; } = "fabrix.canonical.v1";

    /// <summary>The dead-letter stream (file storage).</summary>
    public string DeadLetterStream { get; set; } = "FABRIX_CANONICAL_DLQ";

    /// <summary>Dead-letter subject prefix: <c>&lt;prefix&gt;.&lt;subscriber&gt;.&lt;Type&gt;</c>. Must not overlap <see cref="SubjectPrefix"/>.</summary>
    public string DeadLetterSubjectPrefix { get; set; } = "fabrix.canonical-dlq";

    /// <summary>How long events are kept.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long dead letters are kept.</summary>
    public TimeSpan DeadLetterMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>JetStream's duplicate window: the dedupe window of idempotency keys.</summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Stream replicas (1 locally; 3 on a JetStream cluster).</summary>
    public int Replicas { get; set; } = 1;
}

internal sealed partial class StreamOptionsValidator : IValidateOptions<StreamOptions>
{
    public ValidateOptionsResult Validate(string? name, StreamOptions options)
    {
        var errors = new List<string>();
        if (!StreamName().IsMatch(options.Stream ?? string.Empty))
        {
            errors.Add($"{StreamOptions.SectionName}:Stream must be 1-64 of [A-Za-z0-9_-].");
        }

        if (!StreamName().IsMatch(options.DeadLetterStream ?? string.Empty) || options.DeadLetterStream == options.Stream)
        {
            errors.Add($"{StreamOptions.SectionName}:DeadLetterStream must be 1-64 of [A-Za-z0-9_-] and differ from Stream.");
        }

        if (!SubjectPrefix().IsMatch(options.SubjectPrefix ?? string.Empty))
        {
            errors.Add($"{StreamOptions.SectionName}:SubjectPrefix must be dot-separated tokens of [A-Za-z0-9_-].");
        }

        if (!SubjectPrefix().IsMatch(options.DeadLetterSubjectPrefix ?? string.Empty)
            || (options.DeadLetterSubjectPrefix + ".").StartsWith(options.SubjectPrefix + ".", StringComparison.Ordinal)
            || (options.SubjectPrefix + ".").StartsWith(options.DeadLetterSubjectPrefix + ".", StringComparison.Ordinal))
        {
            errors.Add($"{StreamOptions.SectionName}:DeadLetterSubjectPrefix must be dot-separated tokens of [A-Za-z0-9_-] not overlapping SubjectPrefix.");
        }

        if (options.MaxAge < TimeSpan.FromMinutes(1))
        {
            errors.Add($"{StreamOptions.SectionName}:MaxAge must be at least 00:01:00.");
        }

        if (options.DeadLetterMaxAge < TimeSpan.FromMinutes(1))
        {
            errors.Add($"{StreamOptions.SectionName}:DeadLetterMaxAge must be at least 00:01:00.");
        }

        if (options.DuplicateWindow < TimeSpan.FromSeconds(1) || options.DuplicateWindow > options.MaxAge)
        {
            errors.Add($"{StreamOptions.SectionName}:DuplicateWindow must be at least 00:00:01 and at most MaxAge.");
        }

        if (options.Replicas is < 1 or > 5)
        {
            errors.Add($"{StreamOptions.SectionName}:Replicas must be 1-5.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex StreamName();

    [GeneratedRegex("^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$")]
    private static partial Regex SubjectPrefix();
}
