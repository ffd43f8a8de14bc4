using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>Registration credentials as the registry issues them (issue 7 section 1).</summary>
internal static class TestCredentials
{
    public static RegistrationCredential Issued(string secret, string credentialId) => new()
    {
        Secret = secret,
        Info = Info(credentialId),
    };

    public static RegistrationCredentialInfo Info(string credentialId, bool revoked = false, bool used = false)
    {
        var info = new RegistrationCredentialInfo
        {
            CredentialId = credentialId,
            IssuedAt = Timestamp.FromDateTimeOffset(PluginDetails.Now.AddDays(-2)),
            IssuedBy = "user:alice",
        };
        if (used)
        {
            info.LastUsedAt = Timestamp.FromDateTimeOffset(PluginDetails.Now.AddHours(-1));
        }

        if (revoked)
        {
            info.RevokedAt = Timestamp.FromDateTimeOffset(PluginDetails.Now.AddMinutes(-5));
            info.RevokedBy = "user:bob";
        }

        return info;
    }
}

/// <summary>Plugin details, health and versions as the registry would answer them, for the detail page's tests.</summary>
internal static class PluginDetails
{
    public static readonly DateTimeOffset Now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    public static PluginDetail Detail(string id, PluginStatus status, string[]? dependencies = null, string[]? dependents = null)
    {
        var summary = Plugins.Summary(id, status);
        summary.Dependencies.Add(dependencies ?? []);
        return new PluginDetail
        {
            Summary = summary,
            ManifestJson = $$"""{"id":"{{id}}"}""",
            ManifestDigest = "9f2c0d41a7be33c2e5d8c0f1aa37c9d1e0b4f6a2c8d7e5f3a1b9c0d2e4f6a8b0",
            Dependents = { dependents ?? [] },
            PinnedVersion = "1.1.0",
            Versions =
            {
                Version("2.0.0", pinned: false, "user:bob", Now.AddDays(-1)),
                Version("1.1.0", pinned: true, "user:alice", Now.AddDays(-7)),
                Version("1.0.0", pinned: false, "user:alice", Now.AddDays(-30)),
            },
        };
    }

    public static PluginVersionInfo Version(string version, bool pinned, string by, DateTimeOffset at) => new()
    {
        Version = version,
        ManifestDigest = $"{version.Replace(".", string.Empty, StringComparison.Ordinal)}a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f",
        InstalledAt = Timestamp.FromDateTimeOffset(at),
        InstalledBy = by,
        Pinned = pinned,
    };

    public static HealthSample Sample(int secondsAgo, bool success, int latencyMs, HealthState after, params (string Name, double Value)[] metrics)
    {
        var sample = new HealthSample
        {
            At = Timestamp.FromDateTimeOffset(Now.AddSeconds(-secondsAgo)),
            Source = "probe",
            Success = success,
            LatencyMs = latencyMs,
            Error = success ? string.Empty : "HTTP 503 from /health",
            StateAfter = after,
        };
        foreach (var (name, value) in metrics)
        {
            sample.Metrics[name] = value;
        }

        return sample;
    }
}
