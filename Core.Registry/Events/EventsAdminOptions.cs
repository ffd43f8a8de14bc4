using System.Text.RegularExpressions;
using Fabrix.Contracts.Events;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Events;

/// <summary>How the registry reaches Core.Events' control plane (<c>Fabrix:Registry:Events</c>).</summary>
internal sealed class EventsAdminOptions
{
    public const string SectionName = "Fabrix:Registry:Events";

    /// <summary>The control subjects' prefix; must equal Core.Events' <c>Fabrix:Events:Control:SubjectPrefix</c>.</summary>
    public string ControlSubjectPrefix { get; set; } = EventsControl.DefaultPrefix;

    /// <summary>How long to wait for Core.Events' answer before UNAVAILABLE.</summary>
    public TimeSpan ControlTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

internal sealed partial class EventsAdminOptionsValidator : IValidateOptions<EventsAdminOptions>
{
    public ValidateOptionsResult Validate(string? name, EventsAdminOptions options)
    {
        var errors = new List<string>();
        if (!SubjectPrefix().IsMatch(options.ControlSubjectPrefix ?? string.Empty))
        {
            errors.Add($"{EventsAdminOptions.SectionName}:ControlSubjectPrefix must be dot-separated tokens of [A-Za-z0-9_-].");
        }

        if (options.ControlTimeout < TimeSpan.FromMilliseconds(100) || options.ControlTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{EventsAdminOptions.SectionName}:ControlTimeout must be between 00:00:00.100 and 00:01:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$")]
    private static partial Regex SubjectPrefix();
}
