using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace InferencePlanner.Core.Contracts;

/// <summary>
/// The JSON settings of every result contract (simulation, forecast, projection, catalog), one set for the command
/// line, the HTTP API and the dashboard's saved runs: camelCase names, absent figures left out, text unescaped.
/// Read-only before first use: options still writable get their resolver set on first use, which fails when two
/// requests do it at once (a load test found that).
/// </summary>
public static class ContractJson
{
    /// <summary>Compact, as the API answers and the dashboard stores.</summary>
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    /// <summary>The same, indented, as the command line prints.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = indented,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.MakeReadOnly();
        return options;
    }
}
