using Fabrix.Contracts.Webhooks;

namespace Fabrix.Plugins.Sdk.Registration;

/// <summary>
/// The push secret the registry returned with this plugin's registration or token renewal (issue 11 section 3), when
/// its manifest declares <c>events.delivery: push</c>: the Standard Webhooks secret Core.Events signs its pushes with,
/// which the push endpoint of <c>MapFabrixEvent</c> verifies. In memory only; never logged, never in a health answer or
/// an exception message. An answer without one leaves it as it was. When an administrator rotates the secret, the
/// registry returns the new one with the next renewal; the one it replaces is still accepted for
/// <see cref="PreviousGrace"/>, because Core.Events may take a few seconds (its refresh interval) to sign with the new
/// one, and the registry keeps signing with the old one for its own, longer overlap window anyway.
/// </summary>
internal sealed class PluginPushSecret(TimeProvider timeProvider)
{
    /// <summary>How long a replaced secret is still accepted: far beyond Core.Events' refresh interval (5 s by default).</summary>
    public static readonly TimeSpan PreviousGrace = TimeSpan.FromMinutes(10);

    private volatile Secrets? _secrets;

    /// <summary>The current secret, or null before a push registration.</summary>
    public string? Value => _secrets?.Current;

    public void Set(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || !WebhookSecret.TryParse(secret, out var key))
        {
            return;
        }

        var known = _secrets;
        if (known is not null && string.Equals(known.Current, secret, StringComparison.Ordinal))
        {
            return;
        }

        _secrets = new Secrets(secret, key, known?.CurrentKey, timeProvider.GetUtcNow() + PreviousGrace);
    }

    /// <summary>The keys a push may be signed with now: the current one, then the replaced one within <see cref="PreviousGrace"/>.</summary>
    public IReadOnlyList<byte[]> Keys()
    {
        if (_secrets is not { } secrets)
        {
            return [];
        }

        return secrets.PreviousKey is { } previous && timeProvider.GetUtcNow() < secrets.PreviousUntil
            ? [secrets.CurrentKey, previous]
            : [secrets.CurrentKey];
    }

    /// <summary>Never the secret.</summary>
    public override string ToString() => _secrets is null ? "PluginPushSecret { none }" : "PluginPushSecret { set }";

    private sealed record Secrets(string Current, byte[] CurrentKey, byte[]? PreviousKey, DateTimeOffset PreviousUntil);
}
