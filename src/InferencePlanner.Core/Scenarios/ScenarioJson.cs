using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace InferencePlanner.Core.Scenarios;

/// <summary>Reads and writes scenario documents. Unknown fields are errors: a typo must not pass silently.</summary>
public static partial class ScenarioJson
{
    public static readonly JsonSerializerOptions Options = ReadOnly(new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 32,
        NumberHandling = JsonNumberHandling.Strict,
    });

    /// <summary>Fixed from the start, with the default resolver, so that the format's types can be walked (<see cref="UnknownFields"/>).</summary>
    private static JsonSerializerOptions ReadOnly(JsonSerializerOptions options)
    {
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>The largest scenario document accepted, in characters.</summary>
    public const int MaxLength = 4 * 1024 * 1024;

    public static Scenario Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > MaxLength)
        {
            throw new ScenarioException("$", $"the document is {json.Length:N0} characters; the limit is {MaxLength:N0}");
        }

        if (string.IsNullOrWhiteSpace(json))
        {
            throw new ScenarioException("$", "the document is empty");
        }

        // The reader transcodes to UTF-8 first and throws an ArgumentException on a half surrogate pair.
        if (UnpairedSurrogate(json) is { } at)
        {
            var line = json.AsSpan(0, at).Count('\n') + 1;
            throw new ScenarioException("$", string.Create(CultureInfo.InvariantCulture, $"the text is not valid Unicode: a lone surrogate (U+{(int)json[at]:X4}) at character {at + 1:N0} (line {line})"));
        }

        try
        {
            return JsonSerializer.Deserialize<Scenario>(json, Options)
                ?? throw new ScenarioException("$", "the document is null");
        }
        catch (JsonException ex)
        {
            // Every field the format does not know, each with the names it may have meant, before the first type error
            // (walked only when the document fails: a valid one is parsed once).
            if (UnknownFields(json) is { Count: > 0 } unknown)
            {
                throw new ScenarioException(unknown);
            }

            throw new ScenarioException(PathOf(ex), ReasonOf(ex));
        }
    }

    /// <summary>Reads a scenario file; a missing, oversized or unreadable file is a <see cref="ScenarioException"/>.</summary>
    public static Scenario Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new ScenarioException("$", $"{path}: file not found");
        }

        if (info.Length > MaxLength)
        {
            throw new ScenarioException("$", $"{path}: the file is {info.Length:N0} bytes; the limit is {MaxLength:N0}");
        }

        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (IOException ex)
        {
            throw new ScenarioException("$", $"{path}: {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ScenarioException("$", $"{path}: {ex.Message}");
        }
    }

    public static string Write(Scenario scenario) => JsonSerializer.Serialize(scenario, Options);

    /// <summary>
    /// The fields of the document the scenario format does not have, all of them, walking the document against the
    /// format's types; empty when the document is not JSON (the deserializer then says where it breaks).
    /// </summary>
    private static List<ScenarioError> UnknownFields(string json)
    {
        var errors = new List<ScenarioError>();
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = Options.MaxDepth });
        }
        catch (JsonException)
        {
            return errors;
        }

        Walk(root, typeof(Scenario), "$", errors);
        return errors;
    }

    private static void Walk(JsonNode? node, Type type, string path, List<ScenarioError> errors)
    {
        if (node is null || errors.Count >= 50)
        {
            return;
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        var info = Options.GetTypeInfo(type);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when node is JsonObject obj:
                var properties = info.Properties.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
                foreach (var (name, value) in obj)
                {
                    var at = $"{path}.{name}";
                    if (properties.TryGetValue(name, out var property))
                    {
                        Walk(value, property.PropertyType, at, errors);
                    }
                    else
                    {
                        errors.Add(new ScenarioError(at, "is not a field of the scenario format" + Suggestions.DidYouMean(Suggestions.Closest(name, properties.Keys))));
                    }
                }

                break;
            case JsonTypeInfoKind.Enumerable when node is JsonArray array && info.ElementType is { } element:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], element, $"{path}[{i}]", errors);
                }

                break;
            case JsonTypeInfoKind.Dictionary when node is JsonObject map && info.ElementType is { } value:
                foreach (var (key, item) in map)
                {
                    Walk(item, value, $"{path}.{key}", errors);
                }

                break;
        }
    }

    /// <summary>The index of the first UTF-16 surrogate that is not half of a pair, if any.</summary>
    private static int? UnpairedSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i]))
            {
                continue;
            }

            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            return i;
        }

        return null;
    }

    private static string PathOf(JsonException ex)
    {
        var path = ex.Path ?? "$";
        var unknown = UnknownMemberPattern().Match(ex.Message);
        if (unknown.Success && !path.EndsWith("." + unknown.Groups[1].Value, StringComparison.Ordinal))
        {
            path = path == "$" ? $"$.{unknown.Groups[1].Value}" : $"{path}.{unknown.Groups[1].Value}";
        }

        return path;
    }

    private static string ReasonOf(JsonException ex)
    {
        if (UnknownMemberPattern().IsMatch(ex.Message))
        {
            return "is not a field of the scenario format";
        }

        var message = ex.InnerException is FormatException or InvalidOperationException
            ? "has the wrong type"
            : ex.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut];
        }

        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            message = "has the wrong type or an out-of-range value";
        }

        var line = ex.LineNumber is { } l ? $" (line {l + 1})" : string.Empty;
        return message.TrimEnd('.') + line;
    }

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnknownMemberPattern();
}
