using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Samples.Notifications.Sending;

/// <summary>Where notifications go (<c>Notifications</c>).</summary>
internal sealed class NotificationsOptions
{
    public const string SectionName = "Notifications";

    /// <summary>The receiver's URL; its host must be in the manifest's <c>allowed_domains</c>, or the proxy refuses it.</summary>
    public string ReceiverUrl { get; set; } = string.Empty;
}

/// <summary>Reports a bad <see cref="NotificationsOptions.ReceiverUrl"/> at start.</summary>
internal sealed class NotificationsOptionsValidator : IValidateOptions<NotificationsOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationsOptions options) =>
        Uri.TryCreate(options.ReceiverUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{NotificationsOptions.SectionName}:ReceiverUrl '{options.ReceiverUrl}' is not an absolute http or https URL.");
}
