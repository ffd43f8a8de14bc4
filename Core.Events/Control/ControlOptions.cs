using System.Text.RegularExpressions;
using Fabrix.Contracts.Events;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Control;

/// <summary>The registry's control requests (<c>Fabrix:Events:Control</c>).</summary>
internal sealed class ControlOptions
{
    public const string SectionName = "Fabrix:Events:Control";

    /// <summary>Core.Events answers on <c>&lt;prefix&gt;.&gt;</c>; must equal the registry's <c>Fabrix:Registry:Events:ControlSubjectPrefix</c>.</summary>
    public string SubjectPrefix { get; set; } = EventsControl.DefaultPrefix;
}

internal sealed partial class ControlOptionsValidator : IValidateOptions<ControlOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlOptions options) =>
        SubjectPrefix().IsMatch(options.SubjectPrefix ?? string.Empty)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{ControlOptions.SectionName}:SubjectPrefix must be dot-separated tokens of [A-Za-z0-9_-].");

    [GeneratedRegex("^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$")]
    private static partial Regex SubjectPrefix();
}
