using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Core.Tests.Scenarios;

/// <summary>
/// Fuzzes the scenario reader: random JSON documents, and the shipped example scenarios mutated (a value
/// replaced by one of another type or out of range, a field deleted or added, the text truncated, a character
/// or a byte changed). Whatever the document, reading and validating it either succeeds (validation returning
/// its list of problems) or throws a <see cref="ScenarioException"/> whose every error names a JSON path
/// ("$…") and a reason; no other exception escapes, and no document takes long.
/// </summary>
public sealed class ScenarioFuzzTests
{
    /// <summary>
    /// A hang detector, not a performance figure: a document of a few kilobytes is read in well under a
    /// millisecond, so 2 s (generous for a loaded two-core machine and the first, JIT-compiling call) can only
    /// be exceeded by a loop that does not end or a blow-up in the size of the work.
    /// </summary>
    private static readonly TimeSpan PerDocumentBound = TimeSpan.FromSeconds(2);

    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static readonly string[] Examples = Directory
        .GetFiles(Path.Combine(RepositoryPaths.Root, "data", "scenarios"), "*.json")
        .Order(StringComparer.Ordinal)
        .Select(File.ReadAllText)
        .ToArray();

    /// <summary>Every field name of the scenario format (camel case, as the reader expects them).</summary>
    private static readonly string[] FieldNames = typeof(Scenario).Assembly.GetTypes()
        .Where(t => t.IsPublic && t.Namespace == typeof(Scenario).Namespace && t.IsClass && !typeof(Exception).IsAssignableFrom(t))
        .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name))
        .Append("notAField")
        .Append(string.Empty)
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Values of every JSON type, at and beyond the edges of what the fields accept.</summary>
    private static readonly string[] Literals =
    [
        "0", "-1", "1", "2.5", "-0", "0.0", "1E3", "1e308", "-1e308", "1e999", "-1e999", "1e-400", "4.9e-324",
        "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "123456789012345678901234567890", "10000000000000000000000", "0.1e-99999",
        "NaN", "Infinity", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"\"", "\" \"", "\"x\"", "\"1\"", "\"1e308\"", "\"\\u0000\"", "\"\\ud800\"",
        "\"poisson\"", "\"trace\"", "\"erlang\"", "\"lognormal\"", "\"join-shortest-queue\"", "\"logistic\"", "\"spot\"",
        "\"nvidia-h100-sxm\"", "\"aws-us-east-1\"", "\"llama-3-8b\"",
        "true", "false", "null",
        "[]", "[1]", "[null]", "[{}]", "[\"a\", 2]", "[[[]]]", "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]",
        "{}", "{\"x\": 1}", "{\"name\": null}", "{\"batch\": 1, \"latencyMs\": 1}", "{\"month\": 1, \"multiplier\": 2}",
    ];

    [Fact]
    public void ReadAndValidate_MutatedExamples_SucceedOrNameEveryProblem()
    {
        Assert.NotEmpty(Examples);
        var outcomes = new Outcomes();

        MutatedExample.Sample(d => outcomes.Add(AssertHandled(d)), iter: 4000, print: d => d.ToString());

        // Not vacuous: the mutations reach both the reader's refusals and the validator, and some leave a valid scenario.
        Assert.True(outcomes.Share(Outcome.Refused) > 0.10 && outcomes.Share(Outcome.Invalid) > 0.01 && outcomes.Share(Outcome.Valid) > 0.02, outcomes.ToString());
    }

    [Fact]
    public void ReadAndValidate_RandomDocuments_SucceedOrNameEveryProblem()
    {
        var outcomes = new Outcomes();

        RandomDocument.Sample(d => outcomes.Add(AssertHandled(d)), iter: 2000, print: d => d.ToString());

        Assert.True(outcomes.Share(Outcome.Refused) > 0.10 && outcomes.Share(Outcome.Invalid) > 0.01, outcomes.ToString());
    }

    public enum Outcome
    {
        Refused,
        Invalid,
        Valid,
    }

    /// <summary>How the documents fared (counted from CsCheck's threads).</summary>
    private sealed class Outcomes
    {
        private readonly long[] _counts = new long[3];

        public void Add(Outcome outcome) => Interlocked.Increment(ref _counts[(int)outcome]);

        public double Share(Outcome outcome) => (double)Interlocked.Read(ref _counts[(int)outcome]) / _counts.Sum();

        public override string ToString() => string.Join(", ", Enum.GetValues<Outcome>().Select(o => $"{o}: {_counts[(int)o]}"));
    }

    /// <summary>The property: parsed and validated, or a <see cref="ScenarioException"/> naming paths and reasons; nothing else, and soon.</summary>
    private static Outcome AssertHandled(Document document)
    {
        var watch = Stopwatch.StartNew();
        Scenario scenario;
        try
        {
            scenario = ScenarioJson.Parse(document.Text);
        }
        catch (ScenarioException ex)
        {
            AssertWellFormed(ex.Errors, nonEmpty: true);
            AssertInTime(watch, document);
            return Outcome.Refused;
        }

        AssertWellFormed(ScenarioValidator.Validate(scenario), nonEmpty: false);
        var errors = ScenarioValidator.Validate(scenario, Catalog.Value);
        AssertWellFormed(errors, nonEmpty: false);
        if (errors.Count == 0)
        {
            // A valid scenario writes out and reads back as a valid scenario that writes out the same.
            var written = ScenarioJson.Write(scenario);
            var again = ScenarioJson.Parse(written);
            Assert.Empty(ScenarioValidator.Validate(again, Catalog.Value));
            Assert.Equal(written, ScenarioJson.Write(again));
        }

        AssertInTime(watch, document);
        return errors.Count == 0 ? Outcome.Valid : Outcome.Invalid;
    }

    private static void AssertWellFormed(IReadOnlyList<ScenarioError> errors, bool nonEmpty)
    {
        Assert.NotNull(errors);
        if (nonEmpty)
        {
            Assert.NotEmpty(errors);
        }

        foreach (var error in errors)
        {
            Assert.StartsWith("$", error.Path, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(error.Reason), $"{error.Path} has no reason");
        }
    }

    private static void AssertInTime(Stopwatch watch, Document document) =>
        Assert.True(watch.Elapsed < PerDocumentBound, $"{watch.Elapsed.TotalSeconds:F2} s for {document.Text.Length} characters");

    /// <summary>A document and how it was made (printed when the property fails).</summary>
    public sealed record Document(string Recipe, string Text)
    {
        public override string ToString() => $"{Recipe}\n{Text}";
    }

    /// <summary>One structural change: which kind, where (an index into the candidates, wrapped), and with what.</summary>
    public readonly record struct Edit(int Kind, int Where, int What, string Name);

    /// <summary>One change to the text itself: none, truncation, a character replaced, removed or inserted, a byte flipped.</summary>
    public readonly record struct TextEdit(int Kind, double At, char Character, int Bit);

    private static readonly Gen<char> AnyChar = Gen.Frequency<char>(
        (4, Gen.Char["{}[],:\"\\ 0123456789.eE+-truefalsn"]),
        (2, Gen.Char[' ', '~']),
        (1, Gen.Char['\0', '\u001f']),
        (1, Gen.Char['\u0080', '\uffff']));

    private static readonly Gen<Edit> EditGen = Gen.Select(
        Gen.Int[0, 3], Gen.Int[0, 10_000], Gen.Int[0, 10_000], Gen.OneOf(Gen.OneOf(FieldNames), Gen.String[0, 8]),
        (kind, where, what, name) => new Edit(kind, where, what, name));

    private static readonly Gen<TextEdit> TextEditGen = Gen.Select(
        Gen.Frequency<int>((6, Gen.Const(0)), (1, Gen.Const(1)), (1, Gen.Const(2)), (1, Gen.Const(3)), (1, Gen.Const(4)), (1, Gen.Const(5))),
        Gen.Double[0, 1], AnyChar, Gen.Int[0, 7],
        (kind, at, c, bit) => new TextEdit(kind, at, c, bit));

    private static readonly Gen<Document> MutatedExample = Gen.Select(
        Gen.Int[0, 1000], EditGen.Array[0, 4], TextEditGen,
        (example, edits, text) =>
        {
            var root = JsonNode.Parse(Examples[example % Examples.Length])!;
            var recipe = new StringBuilder().Append(CultureInfo.InvariantCulture, $"example {example % Examples.Length}");
            foreach (var edit in edits)
            {
                recipe.Append("; ").Append(Apply(root, edit));
            }

            var json = Render(root);
            recipe.Append("; ").Append(Apply(ref json, text));
            return new Document(recipe.ToString(), json);
        });

    private static readonly Gen<JsonNode?> Node = Gen.Recursive<JsonNode?>((depth, node) =>
    {
        var leaf = Gen.Frequency<JsonNode?>(
            (4, Gen.OneOf(Literals).Select(l => (JsonNode?)Literal(l))),
            (1, Gen.Double.Select(d => double.IsFinite(d) ? (JsonNode?)JsonValue.Create(d) : null)),
            (1, Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i))),
            (1, Gen.String[0, 12].Select(s => (JsonNode?)JsonValue.Create(s))));
        if (depth >= 4)
        {
            return leaf;
        }

        var key = Gen.Frequency<string>((6, Gen.OneOf(FieldNames)), (1, Gen.String[0, 6]));
        var obj = Gen.Select(key, node).Array[0, 6].Select(members =>
        {
            var o = new JsonObject();
            foreach (var (name, value) in members)
            {
                o[name] = value;
            }

            return (JsonNode?)o;
        });
        var array = node.Array[0, 5].Select(items => (JsonNode?)new JsonArray(items));
        return Gen.Frequency<JsonNode?>((3, obj), (1, array), (2, leaf));
    });

    private static readonly Gen<Document> RandomDocument = Gen.Select(Node, TextEditGen, (node, text) =>
    {
        var json = Render(node);
        var recipe = Apply(ref json, text);
        return new Document("random; " + recipe, json);
    });

    /// <summary>
    /// A literal stands in the tree as a placeholder string that <see cref="Render"/> swaps for its raw text,
    /// so that texts no JSON writer would produce (an escaped lone surrogate, 1e999) reach the reader as written.
    /// </summary>
    private static JsonValue Literal(string text) => JsonValue.Create($"{Placeholder}{Array.IndexOf(Literals, text)}{Placeholder}");

    private const string Placeholder = "@@literal@@";

    private static string Render(JsonNode? root) =>
        PlaceholderPattern.Replace(root?.ToJsonString() ?? "null", m => Literals[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)]);

    private static readonly System.Text.RegularExpressions.Regex PlaceholderPattern =
        new($"\"{Placeholder}(\\d+){Placeholder}\"", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Applies a structural edit; returns what it did.</summary>
    private static string Apply(JsonNode root, Edit edit)
    {
        var slots = new List<(JsonNode Parent, string? Name, int Index)>();
        Collect(root, slots);
        if (slots.Count == 0)
        {
            return "no slot";
        }

        var (parent, name, index) = slots[edit.Where % slots.Count];
        var where = name is null ? $"{parent.GetPath()}[{index}]" : $"{parent.GetPath()}.{name}";
        switch (edit.Kind)
        {
            case 0 or 1:
            {
                var literal = Literals[edit.What % Literals.Length];
                Set(parent, name, index, Literal(literal));
                return $"{where} = {literal}";
            }

            case 2:
                if (parent is JsonObject o && name is not null)
                {
                    o.Remove(name);
                }
                else if (parent is JsonArray a)
                {
                    a.RemoveAt(index);
                }

                return $"{where} deleted";
            default:
            {
                var target = parent is JsonObject ? parent : parent[index] as JsonObject ?? parent;
                var literal = Literals[edit.What % Literals.Length];
                if (target is JsonObject obj)
                {
                    obj[edit.Name] = Literal(literal);
                    return $"{target.GetPath()}.{edit.Name} added = {literal}";
                }

                ((JsonArray)target).Add(Literal(literal));
                return $"{target.GetPath()}[] appended {literal}";
            }
        }
    }

    private static void Collect(JsonNode? node, List<(JsonNode Parent, string? Name, int Index)> slots)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o.ToList())
                {
                    slots.Add((o, name, -1));
                    Collect(child, slots);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    slots.Add((a, null, i));
                    Collect(a[i], slots);
                }

                break;
        }
    }

    private static void Set(JsonNode parent, string? name, int index, JsonNode? value)
    {
        if (name is not null)
        {
            parent.AsObject()[name] = value;
        }
        else
        {
            parent.AsArray()[index] = value;
        }
    }

    /// <summary>Applies a text edit; returns what it did.</summary>
    private static string Apply(ref string json, TextEdit edit)
    {
        if (json.Length == 0 || edit.Kind == 0)
        {
            return "text as is";
        }

        var at = Math.Min(json.Length - 1, (int)(edit.At * json.Length));
        switch (edit.Kind)
        {
            case 1:
                json = json[..at];
                return $"truncated at {at}";
            case 2:
                json = string.Concat(json.AsSpan(0, at), edit.Character.ToString(), json.AsSpan(at + 1));
                return $"char {at} = U+{(int)edit.Character:X4}";
            case 3:
                json = json.Remove(at, 1);
                return $"char {at} removed";
            case 4:
                json = json.Insert(at, edit.Character.ToString());
                return $"U+{(int)edit.Character:X4} inserted at {at}";
            default:
            {
                // A byte of the UTF-8 file flipped, read back as File.ReadAllText would (invalid sequences become U+FFFD).
                var bytes = Encoding.UTF8.GetBytes(json);
                var b = Math.Min(bytes.Length - 1, (int)(edit.At * bytes.Length));
                bytes[b] ^= (byte)(1 << edit.Bit);
                json = Encoding.UTF8.GetString(bytes);
                return $"byte {b} bit {edit.Bit} flipped";
            }
        }
    }
}
