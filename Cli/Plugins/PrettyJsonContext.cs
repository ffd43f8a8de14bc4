using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fabrix.Cli.Plugins;

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class PrettyJsonContext : JsonSerializerContext;
