using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;

namespace Fabrix.Core.Registry.Requests;

/// <summary>
/// Checks of request arguments at the API boundary, before any of them reaches a query (issue 7 section 4: a NUL or a
/// megabyte in an id got UNKNOWN from PostgreSQL and no audit row). Every id is held to the manifest's id rule
/// (<see cref="PluginIds"/>); free text (reasons, versions, search) to a length and to having no control character.
/// A failed check is INVALID_ARGUMENT with a field violation naming the request field, audited as a refusal by the
/// caller (the audit row stores a bounded, sanitised copy of the value: <see cref="AuditValue"/>).
/// </summary>
internal sealed class RequestArguments(AuditLog audit)
{
    /// <summary>Longest reason an administrator may give (stored in the lifecycle history and the audit log).</summary>
    public const int MaxReasonLength = 1024;

    /// <summary>Longest version text in a request (the manifest bound).</summary>
    public const int MaxVersionLength = ManifestBounds.MaxVersionLength;

    /// <summary>Why <paramref name="value"/> is not a plugin id, as a sentence, or null.</summary>
    public static string? IdProblem(string value) => PluginIds.Problem(value) is { } problem ? "The plugin id " + problem : null;

    /// <summary>Why <paramref name="value"/> is not acceptable free text of at most <paramref name="maxLength"/> characters, or null.</summary>
    public static string? TextProblem(string value, int maxLength)
    {
        if (value.Length > maxLength)
        {
            return $"Must be at most {maxLength} characters long; has {value.Length}.";
        }

        return ManifestText.ControlProblem(value) is { } problem ? "The text " + problem + "." : null;
    }

    /// <summary>
    /// Why <paramref name="value"/> is not an acceptable reason, or null: at most <see cref="MaxReasonLength"/> characters,
    /// no control character except tab and line breaks (a reason may span lines; the audit export quotes them).
    /// </summary>
    public static string? ReasonProblem(string value) =>
        TextProblem(value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' '), MaxReasonLength);

    /// <summary>Refuses (audited) unless <paramref name="value"/> is a plugin id.</summary>
    public Task RequireIdAsync(Caller caller, string action, string field, string value, CancellationToken cancellationToken) =>
        RequireAsync(caller, action, value, [(field, IdProblem(value))], cancellationToken);

    /// <summary>
    /// Refuses (audited, target <paramref name="target"/>) when any of <paramref name="checks"/> found a problem; every
    /// problem becomes one field violation.
    /// </summary>
    public async Task RequireAsync(Caller caller, string action, string target, IReadOnlyList<(string Field, string? Problem)> checks, CancellationToken cancellationToken)
    {
        var violations = checks.Where(c => c.Problem is not null).Select(c => new FieldViolation(c.Field, c.Problem!)).ToList();
        if (violations.Count == 0)
        {
            return;
        }

        var fields = string.Join(", ", violations.Select(v => v.Field));
        throw await audit.RefuseAsync(caller, action, target,
            Refusal.Invalid($"The request is invalid ({fields}): {violations[0].Description}", violations), null, cancellationToken);
    }
}
