using System.Text.Json.Serialization;

namespace Fabrix.Core.Registry.Plugins;

/// <summary>Source-generated JSON for what the plugins feature stores as jsonb.</summary>
[JsonSerializable(typeof(IReadOnlyDictionary<string, double>))]
internal sealed partial class PluginJsonContext : JsonSerializerContext;
