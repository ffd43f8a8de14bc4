using System.Globalization;
using System.Text.Json;

namespace Fabrix.Contracts.Manifests;

/// <summary>Health check and resource limits.</summary>
internal sealed partial class ManifestReader
{
    private ManifestHealthCheck? ReadHealthCheck(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.health_check";
        if (!fields.TryGetValue("health_check", out var element))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"health_check must be an object, but it is {Describe(element)}.");
            return null;
        }

        var members = Members(element, path, s_healthCheckFields);
        var ok = true;

        string? type = null;
        const string typePath = "$.health_check.type";
        if (Required(members, "type", typePath, out var typeElement))
        {
            type = ReadString(typeElement, typePath, MaxVocabularyLength);
            if (type is not null && !ManifestVocabulary.HealthCheckTypes.Contains(type, StringComparer.Ordinal))
            {
                Error(typePath, $"Unknown health check type '{type}'; expected http or grpc.");
                type = null;
            }
        }

        ok &= type is not null;

        int port = 0;
        const string portPath = "$.health_check.port";
        if (Required(members, "port", portPath, out var portElement))
        {
            if (portElement.ValueKind != JsonValueKind.Number)
            {
                Error(portPath, $"The port must be an integer between {MinPort} and {MaxPort}, but it is {Describe(portElement)}.");
                ok = false;
            }
            else if (!portElement.TryGetInt32(out port) || port is < MinPort or > MaxPort)
            {
                Error(portPath, $"The port must be an integer between {MinPort} and {MaxPort}, but it is {portElement.GetRawText()}.");
                ok = false;
            }
        }
        else
        {
            ok = false;
        }

        string? healthPath = null;
        const string pathPath = "$.health_check.path";
        if (members.TryGetValue("path", out var pathElement))
        {
            healthPath = ReadString(pathElement, pathPath, ManifestBounds.MaxPathLength);
            var problem = healthPath is null ? null : EndpointPath.Problem(healthPath);
            if (problem is not null)
            {
                Error(pathPath, $"The health check path {problem}.");
            }

            ok &= healthPath is not null && problem is null;
        }
        else if (type == "http")
        {
            Error(pathPath, "An http health check needs a path (e.g. /health).");
            ok = false;
        }

        return ok ? new ManifestHealthCheck(type!, port, healthPath) : null;
    }

    private ManifestResources? ReadResources(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.resources";
        if (!fields.TryGetValue("resources", out var element))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"resources must be an object, but it is {Describe(element)}.");
            return null;
        }

        var members = Members(element, path, s_resourcesFields);
        var memory = ReadLimit(members, "memory_limit", MinMemoryLimit, MaxMemoryLimit, "MB");
        var cpu = ReadLimit(members, "cpu_limit", MinCpuLimit, MaxCpuLimit, "cores");
        return new ManifestResources(memory, cpu);
    }

    private double? ReadLimit(Dictionary<string, JsonElement> members, string name, double min, double max, string unit)
    {
        var path = "$.resources." + name;
        if (!members.TryGetValue(name, out var element))
        {
            return null;
        }

        var range = string.Create(CultureInfo.InvariantCulture, $"between {min} and {max} {unit}");
        if (element.ValueKind != JsonValueKind.Number)
        {
            Error(path, $"{name} must be a number {range}, but it is {Describe(element)}.");
            return null;
        }

        if (!element.TryGetDouble(out var value) || !double.IsFinite(value) || value < min || value > max)
        {
            Error(path, $"{name} must be {range}, but it is {element.GetRawText()}.");
            return null;
        }

        return value;
    }
}
